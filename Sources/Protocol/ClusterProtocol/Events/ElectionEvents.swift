import Election
import TraceModel

/// An executor started an election (`election.start`).
public struct ElectionStart: TraceEventPayload {
    public static let kind = EventKind.electionStart
    /// `start`, `leader 3 silent for 201 ms`, `election from 1`, …
    public var reason: String?
    /// The highest term seen.
    public var term: UInt64?

    public init(reason: String?, term: UInt64?) {
        self.reason = reason
        self.term = term
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("reason", reason)
        data.put("term", term)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            reason: try fields.string("reason"), term: try fields.integer("term", UInt64.self, in: 0...Epoch.maxTerm))
    }
}

/// An election message sent (`election.send`, `to`) or received (`election.receive`, `from`); heartbeats are not
/// recorded this way.
public struct ElectionMessage: Sendable, Equatable {
    /// `election`, `answer` or `coordinator`.
    public var type: String?
    /// The other executor.
    public var peer: Int?
    public var epoch: Epoch?

    public init(type: String?, peer: Int?, epoch: Epoch?) {
        self.type = type
        self.peer = peer
        self.epoch = epoch
    }

    func encoded(peerField: String) -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("type", type)
        data.put(peerField, peer)
        data.put("epoch", epoch)
        return data
    }

    init(decoding fields: PayloadFields, peerField: String) throws(PayloadError) {
        self.init(
            type: try fields.string("type", maxBytes: 64), peer: try fields.executorID(peerField),
            epoch: try fields.epoch("epoch"))
    }
}

/// An executor sent an election message (`election.send`).
public struct ElectionSend: TraceEventPayload {
    public static let kind = EventKind.electionSend
    /// `peer` is the receiver (`to`).
    public var message: ElectionMessage

    public init(_ message: ElectionMessage) { self.message = message }
    public func encoded() -> [String: TraceValue] { message.encoded(peerField: "to") }
    public init(decoding fields: PayloadFields) throws(PayloadError) {
        message = try ElectionMessage(decoding: fields, peerField: "to")
    }
}

/// An executor received an election message (`election.receive`).
public struct ElectionReceive: TraceEventPayload {
    public static let kind = EventKind.electionReceive
    /// `peer` is the sender (`from`).
    public var message: ElectionMessage

    public init(_ message: ElectionMessage) { self.message = message }
    public func encoded() -> [String: TraceValue] { message.encoded(peerField: "from") }
    public init(decoding fields: PayloadFields) throws(PayloadError) {
        message = try ElectionMessage(decoding: fields, peerField: "from")
    }
}

/// An executor learned of a leader, possibly itself (`election.leader`).
public struct ElectionLeader: TraceEventPayload {
    public static let kind = EventKind.electionLeader
    public var leader: Int?
    /// The leader's epoch (written as `epoch` and `term`).
    public var epoch: Epoch?
    /// This node now leads (`self`).
    public var isSelf: Bool?

    public init(leader: Int?, epoch: Epoch?, isSelf: Bool?) {
        self.leader = leader
        self.epoch = epoch
        self.isSelf = isSelf
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("leader", leader)
        data.put(epoch: epoch)
        data.put("self", isSelf)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            leader: try fields.executorID("leader"), epoch: try fields.epoch("epoch"), isSelf: try fields.bool("self"))
    }
}

/// A leader stepped down (`election.stepdown`).
public struct ElectionStepDown: TraceEventPayload {
    public static let kind = EventKind.electionStepDown
    /// The epoch it led.
    public var epoch: Epoch?
    public var newer: Epoch?

    public init(epoch: Epoch?, newer: Epoch?) {
        self.epoch = epoch
        self.newer = newer
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("epoch", epoch)
        data.put("newer", newer)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(epoch: try fields.epoch("epoch"), newer: try fields.epoch("newer"))
    }
}

/// A follower's failure detector fired (`heartbeat.timeout`).
public struct HeartbeatTimeout: TraceEventPayload {
    public static let kind = EventKind.heartbeatTimeout
    /// The silent leader; 0 when none was known.
    public var leader: Int?
    public var silentMs: Int64?
    public var reason: String?

    public init(leader: Int?, silentMs: Int64?, reason: String?) {
        self.leader = leader
        self.silentMs = silentMs
        self.reason = reason
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("leader", leader)
        data.put("silent_ms", silentMs)
        data.put("reason", reason)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            leader: try fields.executorID("leader"),
            silentMs: try fields.integer("silent_ms", Int64.self, in: 0...Int64.max),
            reason: try fields.string("reason"))
    }
}
