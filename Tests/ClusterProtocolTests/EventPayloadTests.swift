import ClusterProtocol
import Election
import Testing
import TraceModel

/// Every protocol payload survives its own encoder and decoder, with the field names of docs/trace-format.md.
struct EventPayloadTests {
    /// Encodes `payload`, checks the `data` keys the format names, and decodes it back.
    func roundTrip<P: TraceEventPayload>(_ payload: P, keys: Set<String>) throws {
        let data = payload.encoded()
        #expect(Set(data.keys) == keys)
        #expect(try P(data: data) == payload)
        // Read as the field list a reader takes from a line's bytes (any order; a name given twice counts with its
        // last value, as in the dictionary the line decodes to), the same payload.
        var list = data.sorted { $0.key > $1.key }.map { (name: $0.key, value: $0.value) }
        list.insert((name: list[0].name, value: .bool(true)), at: 0)
        let fields = PayloadFields(list: list, kind: P.kind)
        #expect(try P(decoding: fields) == payload)
        #expect(fields.data == data)
    }

    /// A `data` object read as a field list decodes, or fails, exactly as the same object read as a dictionary.
    @Test func fieldListsDecodeLikeDictionaries() {
        let objects: [[(String, TraceValue)]] = [
            [("order", .int(5))], [("order", .string("a")), ("lease", .int(-1))], [],
            [("order", .string("a")), ("epoch", .string("x"))], [("order", .null), ("order", .string("a"))],
            [("order", .string("a")), ("order", .null)], [("order", .string("a")), ("executor", .double(2.5))],
            [("order", .string("a")), ("executor", .double(2)), ("epoch", .string("0.0")), ("renewed", .int(1))],
            [("order", .string("a")), ("reasons", .array([.string("r"), .int(1)])), ("fraud_score", .string("1"))],
            [("leader", .int(3)), ("epoch", .string("2.3")), ("self", .bool(true)), ("term", .object([:]))],
        ]
        let kinds: [EventKind] = [
            .queueLease, .queueCommit, .queueEnqueue, .orderDecision, .electionLeader, .executorDequeue, .nodeStopping,
        ]
        for object in objects {
            let list = object.map { (name: $0.0, value: $0.1) }
            let dictionary = Dictionary(object, uniquingKeysWith: { _, last in last })
            for kind in kinds {
                let fromList = Result { () throws(PayloadError) -> ProtocolEvent? in
                    try ProtocolEvent(kind: kind, fields: PayloadFields(list: list, kind: kind))
                }
                let fromDictionary = Result { () throws(PayloadError) -> ProtocolEvent? in
                    try ProtocolEvent(kind: kind, fields: PayloadFields(dictionary, kind: kind))
                }
                #expect(fromList == fromDictionary, "\(kind) \(object)")
            }
        }
    }

    @Test func checkoutPayloadsRoundTrip() throws {
        try roundTrip(
            OrderDecision(order: "a1", status: "approved", reasons: ["r"], fraudScore: 0.25, retried: true),
            keys: ["order", "status", "reasons", "fraud_score", "retried"])
        try roundTrip(
            OrderDecision(order: "a1", status: "rejected", reasons: [], fraudScore: 0.9),
            keys: ["order", "status", "reasons", "fraud_score"])
        try roundTrip(SuggestionsSkipped(order: "a1", reason: "timeout"), keys: ["order", "reason"])
    }

    @Test func queuePayloadsRoundTrip() throws {
        let epoch = Epoch(term: 3, leader: 2)
        try roundTrip(
            QueueEnqueue(order: "a1", priority: "countryRank=5", depth: 4, duplicate: false),
            keys: ["order", "priority", "depth", "duplicate"])
        try roundTrip(
            QueueLease(
                order: "a1", executor: 2, epoch: epoch, lease: 7, delivery: 1, slot: 0, expiresInMs: 2000,
                renewed: false, depth: 3),
            keys: [
                "order", "executor", "epoch", "term", "lease", "delivery", "slot", "expires_in_ms", "renewed", "depth",
            ])
        let ack = QueueAck(order: "a1", executor: 2, epoch: epoch, lease: 7, outcome: "committed")
        try roundTrip(QueueCommit(ack), keys: ["order", "executor", "epoch", "term", "lease", "outcome"])
        try roundTrip(QueueAckRefused(ack), keys: ["order", "executor", "epoch", "term", "lease", "outcome"])
        let end = LeaseEnd(order: "a1", executor: 2, epoch: epoch, lease: 7)
        try roundTrip(QueueLeaseExpired(end), keys: ["order", "executor", "epoch", "lease"])
        try roundTrip(QueueLeaseReleased(end), keys: ["order", "executor", "epoch", "lease"])
        try roundTrip(
            QueueLeaseRevoked(end, by: Epoch(term: 4, leader: 1)), keys: ["order", "executor", "epoch", "lease", "by"])
        try roundTrip(
            QueueFenced(operation: "lease", executor: 1, epoch: epoch, current: Epoch(term: 4, leader: 3)),
            keys: ["operation", "executor", "epoch", "current"])
        try roundTrip(QueueOverloaded(order: "a1", depth: 10, max: 10), keys: ["order", "depth", "max"])
    }

    @Test func durabilityAndSupervisionPayloadsRoundTrip() throws {
        try roundTrip(
            QueueRecovered(
                records: 12, waiting: 2, committed: 5, revoked: 1, highestEpoch: Epoch.none, replayMs: 1.5, damaged: 0,
                orders: ["a1", "a2"], recentCommits: ["b1"]),
            keys: [
                "records", "waiting", "committed", "revoked", "highest_epoch", "replay_ms", "damaged", "orders",
                "recent_commits",
            ])
        try roundTrip(QueueStopped(waiting: 1, orders: ["a1"], durable: true), keys: ["waiting", "orders", "durable"])
        try roundTrip(
            ServiceRestarted(service: "fraud", status: 9, restarts: 1, backoffMs: 200),
            keys: ["service", "status", "restarts", "backoff_ms"])
        try roundTrip(
            ServiceGaveUp(service: "fraud", restarts: 10, windowSeconds: 60), keys: ["service", "restarts", "window_s"])
        try roundTrip(NodeStopping(signal: 15), keys: ["signal"])
    }

    @Test func electionAndExecutorPayloadsRoundTrip() throws {
        let epoch = Epoch(term: 2, leader: 3)
        try roundTrip(ElectionStart(reason: "start", term: 1), keys: ["reason", "term"])
        let message = ElectionMessage(type: "coordinator", peer: 1, epoch: epoch)
        try roundTrip(ElectionSend(message), keys: ["type", "to", "epoch"])
        try roundTrip(ElectionReceive(message), keys: ["type", "from", "epoch"])
        try roundTrip(ElectionLeader(leader: 3, epoch: epoch, isSelf: true), keys: ["leader", "epoch", "term", "self"])
        try roundTrip(ElectionStepDown(epoch: epoch, newer: Epoch(term: 3, leader: 1)), keys: ["epoch", "newer"])
        try roundTrip(
            HeartbeatTimeout(leader: 0, silentMs: 201, reason: "no leader silent for 201 ms"),
            keys: ["leader", "silent_ms", "reason"])
        try roundTrip(
            ExecutorDequeue(order: "a1", epoch: epoch, lease: 9, delivery: 2, slot: 1),
            keys: ["order", "epoch", "term", "lease", "delivery", "slot"])
        try roundTrip(
            ExecutorCommit(order: "a1", epoch: epoch, lease: 9, outcome: "committed"),
            keys: ["order", "epoch", "term", "lease", "outcome"])
    }

    @Test func epochIsWrittenAsTextAndTermButReadFromTheTextOnly() throws {
        var data = ElectionLeader(leader: 2, epoch: Epoch(term: 5, leader: 2), isSelf: false).encoded()
        #expect(data["epoch"] == .string("5.2"))
        #expect(data["term"] == .int(5))
        data["term"] = .int(99)
        #expect(try ElectionLeader(data: data).epoch == Epoch(term: 5, leader: 2))
    }

    @Test func decodersRefuseWrongTypedFields() {
        #expect(throws: PayloadError.self) {
            try QueueLease(data: ["order": "a1", "lease": "seven"])
        }
        #expect(throws: PayloadError.self) { try ExecutorCommit(data: ["order": .int(1)]) }
        #expect(throws: PayloadError.self) { try QueueStopped(data: ["orders": .array([.int(1)])]) }
        #expect(throws: PayloadError.self) { try ElectionLeader(data: ["self": "yes"]) }
    }

    @Test func decodersRefuseOutOfBoundsValues() {
        // A lease id must be non-negative; an executor id at most 1024; an epoch within Epoch(validating:)'s bounds.
        #expect(throws: PayloadError.self) { try QueueLease(data: ["order": "a1", "lease": .int(-1)]) }
        #expect(throws: PayloadError.self) { try QueueLease(data: ["order": "a1", "executor": .int(1 << 40)]) }
        #expect(throws: PayloadError.self) { try ElectionLeader(data: ["epoch": "1.99999"]) }
        #expect(throws: PayloadError.self) { try ElectionLeader(data: ["epoch": "3"]) }
        #expect(throws: PayloadError.self) { try NodeStopping(data: ["signal": .int(Int64(Int32.max) + 1)]) }
    }

    @Test func decodersRefuseAMissingRequiredField() {
        #expect(throws: PayloadError(kind: .queueEnqueue, field: "order", problem: .missing)) {
            try QueueEnqueue(data: ["depth": 1])
        }
    }

    @Test func eventPayloadIsNilForAnotherKind() {
        let event = TraceEvent(
            wallTimeNanos: 1, node: "queue", pid: 1, sequence: 1,
            payload: QueueOverloaded(order: "a1", depth: 1, max: 1), clock: .init())
        #expect(event.kind == .queueOverloaded)
        #expect(event.payload(QueueOverloaded.self)?.order == "a1")
        #expect(event.payload(QueueEnqueue.self) == nil)
    }
}
