import ClusterProtocol
import TraceFormat

/// One id of an event (message id, peer, span id) as its reader recorded it: its hash (`IDHash`, computed on the
/// reader thread) and, for an event read in compact form, where its kept line holds its bytes (`RunEvent.withLine`);
/// its string is built only when asked. An event decoded whole holds the id's string elsewhere (`IDTexts`,
/// `RareEventFields`).
struct EventID {
    var hash: UInt64
    var start: UInt32
    /// `UInt32.max`: the event has no such id.
    var count: UInt32

    /// No id.
    static let absent = EventID(hash: 0, start: 0, count: .max)

    var isPresent: Bool { count != .max }

    /// The id whose string is held elsewhere (`hash` is `IDHash.of` it).
    init(hash: UInt64) { (self.hash, start, count) = (hash, 0, 0) }

    private init(hash: UInt64, start: UInt32, count: UInt32) {
        (self.hash, self.start, self.count) = (hash, start, count)
    }

    /// The id `line` holds at `at` (a string without escapes); nil when `at` is not within the line.
    init?(_ at: LineSpan, in line: UnsafeBufferPointer<UInt8>) {
        let (start, count) = (Int(at.start), Int(at.count))
        guard count < Int(UInt32.max), start <= line.count, count <= line.count - start else { return nil }
        self.init(
            hash: IDHash.of(line: UnsafeBufferPointer(rebasing: line[start..<start + count])), start: at.start,
            count: at.count)
    }

    /// The id's bytes in `line` (the event's kept line).
    func bytes(in line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[Int(start)..<Int(start) + Int(count)])
    }
}

/// The message id and peer of an RPC event that holds them as strings (decoded whole, or read in compact form from
/// a line in another layout than the writer's, where they may hold escapes).
final class IDTexts: Sendable {
    let msg: String?
    let peer: String?

    init(msg: String?, peer: String?) { (self.msg, self.peer) = (msg, peer) }
}

/// The fields the message checks pair an RPC event on (`RunState.rpcMessage`): its message id and peer, hashed
/// (`IDHash`), and whether its status is `unavailable` (a failed call that may not have reached the peer). Held
/// inline in the event (`RunEventFields.keys`): no object of its own for an event read in compact form, whose ids
/// stay in its line.
struct MessageKeyFields {
    var msg = EventID.absent
    var peer = EventID.absent
    /// The ids' strings when the line does not hold them (nil: they are in the line).
    var texts: IDTexts?
    /// The message id packed (`PackedID`) by the reader, when `msgCount` ≤ 32 (else `PackedID.textCount`): the merge
    /// thread keys its tables on it without reading the line.
    var msgWords: PackedID.Words = (0, 0, 0, 0)
    var msgCount = PackedID.textCount
    /// The peer's number in the event's index (`RunEventFields.index`), found by the reader; -1 when not found there
    /// (numbered when read).
    var peerNode: Int32 = -1
    var unavailable = false

    /// No keys (the value held by an event that has none).
    init() {}

    init(msg: String?, peer: String?, unavailable: Bool) {
        self.unavailable = unavailable
        if let msg {
            self.msg = EventID(hash: IDHash.of(msg))
            let packed = PackedID(msg)
            if packed.text == nil { (msgWords, msgCount) = (packed.words, packed.count) }
        }
        if let peer { self.peer = EventID(hash: IDHash.of(peer)) }
        if msg != nil || peer != nil { texts = IDTexts(msg: msg, peer: peer) }
    }

    /// The keys of a decoded RPC event.
    init(_ rpc: RPCEvent) {
        let message = rpc.message
        self.init(msg: message.msg, peer: message.peer, unavailable: rpc.status == "unavailable")
    }

    /// The keys of an RPC event of `kind` with the `data` fields `fields`, as `init(_:)` gives them for the event
    /// they decode to; nil when `kind` is no RPC kind or a field is out of the RPC payloads' bounds
    /// (`RPCEvent.fieldsInBounds`). A static function, not an initializer: its argument is borrowed, not copied.
    /// `kindNumber` is the kind's position in `CompactEvent.kinds` (compared as a number, not as a string); `line`
    /// is the event's line, which holds the ids that `fields` locate (`msgAt`, `peerAt`).
    static func of(
        kindNumber: Int, fields: CompactRPCFields, line: UnsafeBufferPointer<UInt8>, index: NodeIndex
    ) -> MessageKeyFields? {
        guard RPCEvent.fieldsInBounds(fields, kindNumber: kindNumber) else { return nil }
        // `RPCEvent.status`: sends and receives (numbers 0 and 1) have none.
        let unavailable = kindNumber >= 2 && fields.statusIsUnavailable
        if fields.msg != nil || fields.peer != nil {
            return MessageKeyFields(msg: fields.msg, peer: fields.peer, unavailable: unavailable)
        }
        var keys = MessageKeyFields()
        keys.unavailable = unavailable
        if let at = fields.msgAt {
            guard let id = EventID(at, in: line) else { return nil }
            keys.msg = id
            if let packed = PackedID.packed(id.bytes(in: line)) { (keys.msgWords, keys.msgCount) = packed }
        }
        if let at = fields.peerAt {
            guard let id = EventID(at, in: line) else { return nil }
            keys.peer = id
            keys.peerNode = Int32(truncatingIfNeeded: index.nameKeys.position(of: id.bytes(in: line), hash: id.hash))
        }
        return keys
    }
}

/// An RPC event's message keys as the checks read them (`RunState.rpcMessage`): read in place from the event,
/// without retaining it or copying the keys; the ids' strings are built only when asked (`msg`, `peer`: for
/// findings). Valid while the event is: use it within the check's `observe`.
struct RPCMessageKeys {
    /// Not retained: the caller holds the event for as long as it reads its keys.
    private unowned(unsafe) let event: RunEvent

    /// `event` must hold its keys (`keyState == .present`).
    init(_ event: RunEvent) { self.event = event }

    var hasMsg: Bool { event.header.keys.msg.isPresent }
    var hasPeer: Bool { event.header.keys.peer.isPresent }
    var msgHash: UInt64 { event.header.keys.msg.hash }
    var peerHash: UInt64 { event.header.keys.peer.hash }
    var unavailable: Bool { event.header.keys.unavailable }

    /// The message id, nil when the event has none.
    var msg: String? {
        guard hasMsg else { return nil }
        if let texts = event.header.keys.texts { return texts.msg }
        return event.withLine { String(decoding: event.header.keys.msg.bytes(in: $0), as: UTF8.self) }
    }

    /// The peer, nil when the event has none.
    var peer: String? {
        guard hasPeer else { return nil }
        if let texts = event.header.keys.texts { return texts.peer }
        return event.withLine { String(decoding: event.header.keys.peer.bytes(in: $0), as: UTF8.self) }
    }

    /// The message id as the checks' tables keep it (`hasMsg` must hold).
    var msgID: PackedID {
        let count = event.header.keys.msgCount
        if count != PackedID.textCount { return PackedID(words: event.header.keys.msgWords, count: count) }
        if let texts = event.header.keys.texts { return PackedID(texts.msg!) }
        return event.withLine { PackedID(event.header.keys.msg.bytes(in: $0)) }
    }

    /// The peer's node number in `numbers` (`hasPeer` must hold), handing out one to a peer outside the index.
    func peerNumber(_ numbers: inout NodeNumbers) -> Int {
        let node = event.header.keys.peerNode
        if node >= 0, numbers.numbersLike(event.header.index) { return Int(node) }
        if let texts = event.header.keys.texts { return numbers.number(texts.peer!, hash: peerHash) }
        return event.withLine { numbers.number(bytes: event.header.keys.peer.bytes(in: $0), hash: peerHash) }
    }
}
