import Checkout
import ClusterProtocol
import Election
import Foundation
import OrderQueueCore
import Testing
import WireJSON

/// The byte-level codecs of the lease, ack and election messages against Foundation: the same JSON written, the
/// same values read, and nothing read by the fast decoder that Foundation refuses or reads differently.
@Suite("Queue and election wire codecs")
struct QueueWireCodecTests {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]  // as `JSONCoding.encoder` on the wire
        return encoder
    }()

    /// True when `a` and `b` are the same JSON up to the order of object members (Foundation on Linux writes members
    /// in hash order), spelled alike.
    private static func sameJSON(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard let treeA = try? JSONSerialization.jsonObject(with: Data(a)) as? NSObject,
            let treeB = try? JSONSerialization.jsonObject(with: Data(b)) as? NSObject
        else { return false }
        return treeA.isEqual(treeB) && a.sorted() == b.sorted()
    }

    /// Fast bytes == Foundation bytes, and both decoders read them back to the value.
    private static func checkRoundTrip<Message: WireCodable & Codable & Equatable>(
        _ message: Message, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let reference = [UInt8](try encoder.encode(message))
        let fast = try #require(message.wireJSON, sourceLocation: sourceLocation)
        #expect(
            sameJSON(fast, reference),
            "\(String(decoding: fast, as: UTF8.self)) vs \(String(decoding: reference, as: UTF8.self))",
            sourceLocation: sourceLocation)
        #expect(Message.decode(wire: reference).value == message, sourceLocation: sourceLocation)
        #expect(try JSONDecoder().decode(Message.self, from: Data(fast)) == message, sourceLocation: sourceLocation)
    }

    /// Whatever the fast decoder reads, Foundation reads too, to the same value (the fast decoder may leave a text to
    /// Foundation, never accept one Foundation refuses).
    private static func checkAgreement<Message: WireDecodable & Decodable & Equatable>(
        _ type: Message.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let reference = try? JSONDecoder().decode(Message.self, from: Data(text.utf8))
        switch Message.decode(wire: Array(text.utf8)) {
        case .decoded(let value):
            #expect(reference == value, "\(Message.self) \(text)", sourceLocation: sourceLocation)
        case .fallback, .refused:
            break
        }
    }

    private static func epoch(_ random: inout TestRandom) -> Epoch {
        let terms: [UInt64] = [0, 1, 7, Epoch.maxTerm, UInt64(Int.max), UInt64(Int.max) + 1, .max]
        return Epoch(term: terms[Int(random.next() % 7)], leader: Int(truncatingIfNeeded: random.next() % 5) - 1)
    }

    private static func text(_ random: inout TestRandom) -> String {
        ["o-1", "", "quote\"d", "back\\slash/", "line\nbreak\u{1}", "日本 🧾"][Int(random.next() % 6)]
    }

    private static func lease(_ random: inout TestRandom) -> Lease {
        Lease(
            id: random.next(), orderId: text(&random), executor: Int(random.next() % 4), epoch: epoch(&random),
            grantedAtNanos: random.next() >> 1, deadlineNanos: random.next(), delivery: Int(random.next() % 3),
            slot: Int(random.next() % 8))
    }

    private static func order(_ random: inout TestRandom) -> QueuedOrder {
        let ticket = OrderTicket(
            orderId: text(&random), items: [.init(name: text(&random), quantity: Int(random.next() % 5))],
            shippingMethod: random.next() % 2 == 0 ? nil : "express", country: text(&random),
            traceId: random.next() % 2 == 0 ? nil : "4bf92f3577b34da6a3ce929d0e0e4736")
        return QueuedOrder(
            orderId: text(&random),
            priority: OrderPriority(
                shippingWeight: Int(random.next() % 3), countryRank: Int(random.next() % 9) - 1,
                sizeBonus: Int(random.next() % 2)),
            enqueueSequence: random.next(), enqueuedAtNanos: Int64(bitPattern: random.next()), ticket: ticket)
    }

    @Test("lease and ack requests and replies: the same JSON as Foundation and the same values back")
    func queueMessagesMatchFoundation() throws {
        var random = TestRandom(seed: 15)
        for _ in 0..<300 {
            let epoch = Self.epoch(&random)
            let commit = Commit(
                orderId: Self.text(&random), executor: Int(random.next() % 4), epoch: epoch, leaseID: random.next())
            try Self.checkRoundTrip(
                LeaseRequest(
                    executor: Int(random.next() % 4), epoch: epoch, slot: Int(random.next() % 8),
                    waitMs: random.next() % 2 == 0 ? nil : Int(random.next() % 2000)))
            try Self.checkRoundTrip(
                AckRequest(
                    orderId: Self.text(&random), executor: Int(random.next() % 4), epoch: epoch, leaseId: random.next())
            )
            let next = LeaseRequest(
                executor: Int(random.next() % 4), epoch: epoch, slot: Int(random.next() % 8),
                waitMs: random.next() % 2 == 0 ? nil : Int(random.next() % 2000))
            try Self.checkRoundTrip(
                AckRequest(
                    orderId: Self.text(&random), executor: next.executor, epoch: epoch, leaseId: random.next(),
                    next: next))
            let leased = LeaseReply.leased(
                Self.lease(&random), order: Self.order(&random), renewed: random.next() % 2 == 0,
                depth: Int(random.next() % 100))
            for reply in [leased, .empty(depth: Int(random.next() % 100)), .fenced(by: epoch)] {
                try Self.checkRoundTrip(reply)
            }
            for reply in [
                AckReply.committed(commit), .alreadyCommitted(commit), .released, .fenced(by: epoch), .noLease,
            ] {
                try Self.checkRoundTrip(reply)
                try Self.checkRoundTrip(AckAndLeaseReply(reply))
                try Self.checkRoundTrip(AckAndLeaseReply(reply, next: leased))
                try Self.checkRoundTrip(AckAndLeaseReply(reply, next: .empty(depth: 0)))
            }
            try Self.checkBatchMessages(&random, epoch: epoch, commit: commit, leased: leased)
        }
    }

    /// Batch leases and batch acks (`LeaseRequest.batch`, `AckRequest.more`, `AckAndLeaseReply.more` and
    /// `.moreLeases`) round-trip like the rest.
    fileprivate static func checkBatchMessages(
        _ random: inout TestRandom, epoch: Epoch, commit: Commit, leased: LeaseReply
    ) throws {
        let next = LeaseRequest(
            executor: Int(random.next() % 4), epoch: epoch, slot: Int(random.next() % 8),
            batch: 1 + Int(random.next() % 64))
        let more = (0..<Int(random.next() % 4)).map { _ in
            AckItem(orderId: text(&random), leaseId: random.next())
        }
        try checkRoundTrip(next)
        try checkRoundTrip(
            AckRequest(
                orderId: text(&random), executor: next.executor, epoch: epoch, leaseId: random.next(), next: next,
                more: more))
        let moreLeases = (0..<Int(random.next() % 4)).map { _ in
            LeasedOrder(lease: lease(&random), order: order(&random))
        }
        try checkRoundTrip(
            AckAndLeaseReply(
                .committed(commit), next: leased, more: [.alreadyCommitted(commit), .noLease, .fenced(by: epoch)],
                moreLeases: moreLeases))
    }

    /// An executor that knows only `AckReply` reads the ack of a reply that carries a lease (and skips it); an
    /// ack request with `next` reads as a plain ack where `next` is not known (Foundation's `AckReply` decoder).
    @Test func aReplyWithALeasePartReadsAsThePlainAckReplyOfOlderExecutors() throws {
        let epoch = Epoch(term: 4, leader: 3)
        let commit = Commit(orderId: "a", executor: 3, epoch: epoch, leaseID: 9)
        let lease = Lease(
            id: 10, orderId: "b", executor: 3, epoch: epoch, grantedAtNanos: 1, deadlineNanos: 2, delivery: 1, slot: 0)
        let order = QueuedOrder(
            orderId: "b", priority: OrderPriority(shippingWeight: 1, countryRank: 0), enqueueSequence: 2,
            enqueuedAtNanos: 3, ticket: OrderTicket(orderId: "b", items: [], shippingMethod: nil, country: nil))
        let reply = AckAndLeaseReply(.committed(commit), next: .leased(lease, order: order, renewed: false, depth: 0))
        let bytes = try #require(reply.wireJSON)
        #expect(AckReply.decode(wire: bytes).value == .committed(commit))
        #expect(try JSONDecoder().decode(AckReply.self, from: Data(bytes)) == .committed(commit))
        #expect(AckAndLeaseReply.decode(wire: bytes).value == reply)
        let plain = try #require(AckReply.committed(commit).wireJSON)
        #expect(AckAndLeaseReply.decode(wire: plain).value == AckAndLeaseReply(.committed(commit)))
    }

    /// An older executor's or queue's reader of a batch ack: the plain ack request and reply it knows, with the
    /// batch members skipped.
    @Test func aBatchAckReadsAsThePlainAckOfOlderPeers() throws {
        let epoch = Epoch(term: 4, leader: 3)
        let commit = Commit(orderId: "a", executor: 3, epoch: epoch, leaseID: 9)
        let request = AckRequest(
            orderId: "a", executor: 3, epoch: epoch, leaseId: 9,
            next: LeaseRequest(executor: 3, epoch: epoch, slot: 1, batch: 16),
            more: [AckItem(orderId: "b", leaseId: 10)])
        let requestBytes = try #require(request.wireJSON)
        struct OlderAckRequest: Decodable, Equatable {
            var orderId: String
            var executor: Int
            var leaseId: UInt64
        }
        let older = try JSONDecoder().decode(OlderAckRequest.self, from: Data(requestBytes))
        #expect(older == OlderAckRequest(orderId: "a", executor: 3, leaseId: 9))
        let reply = AckAndLeaseReply(.committed(commit), next: .empty(depth: 0), more: [.noLease])
        let bytes = try #require(reply.wireJSON)
        #expect(AckReply.decode(wire: bytes).value == .committed(commit))
        #expect(AckAndLeaseReply.decode(wire: bytes).value == reply)
    }

    @Test("election messages and the empty payload: the same JSON as Foundation and the same values back")
    func electionMessagesMatchFoundation() throws {
        var random = TestRandom(seed: 16)
        for _ in 0..<100 {
            let epoch = Self.epoch(&random)
            let messages: [BullyMessage] = [
                .election(known: epoch), .answer(known: epoch), .coordinator(epoch), .heartbeat(epoch),
            ]
            for message in messages {
                try Self.checkRoundTrip(BullyEnvelope(from: Int(random.next() % 4), message: message))
            }
        }
        #expect(NoPayload().wireJSON == Array("{}".utf8))
        #expect(NoPayload.decode(wire: Array(#"{"a":[1,{"b":null}],"c":"d"}"#.utf8)).value == NoPayload())
    }

    @Test(
        "odd and refused spellings: the fast decoders accept nothing Foundation refuses, and read what they accept alike"
    )
    func oddSpellingsAgreeWithFoundation() {
        let epoch = #"{"term":4,"leader":3}"#
        let commit = #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseID":9}"#
        let ackRequests = [
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":-9}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":18446744073709551616}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":18446744073709551615}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9.0}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9e0}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch)}"#,
            #"{"orderId":null,"executor":3,"epoch":\#(epoch),"leaseId":9}"#,
            #"{"orderId":"o","orderId":"p","executor":3,"epoch":\#(epoch),"leaseId":9,"extra":[1]}"#,
            #"{"orderId":"o","executor":3,"epoch":{"term":-1,"leader":3},"leaseId":9}"#,
            #"{"orderId":"o","executor":3,"epoch":{"term":1},"leaseId":9}"#,
            #"{"orderId":"o","executor":"3","epoch":\#(epoch),"leaseId":9}"#,
            #" { "orderId" : "o\u0041" , "executor" : 3 , "epoch" : \#(epoch) , "leaseId" : 09 } "#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9,"next":null}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9,"next":{"executor":3,"epoch":\#(epoch)}}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9,"next":{"executor":3}}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9,"next":[]}"#,
            #"{"orderId":"o","executor":3,"epoch":\#(epoch),"leaseId":9,"next":{"executor":3,"epoch":{},"slot":-1}}"#,
            #"[]"#, #"null"#, #"{"#,
        ]
        for text in ackRequests { Self.checkAgreement(AckRequest.self, text) }
        let leaseRequests = [
            #"{"executor":1,"epoch":\#(epoch)}"#, #"{"executor":1,"epoch":\#(epoch),"slot":null,"waitMs":null}"#,
            #"{"executor":1,"epoch":\#(epoch),"slot":2,"waitMs":500}"#, #"{"executor":1,"slot":2}"#,
            #"{"executor":1,"epoch":\#(epoch),"slot":true}"#, #"{"executor":1.5,"epoch":\#(epoch)}"#,
        ]
        for text in leaseRequests { Self.checkAgreement(LeaseRequest.self, text) }
        let ackReplies = [
            #"{"outcome":"committed","commit":\#(commit)}"#, #"{"outcome":"committed"}"#,
            #"{"outcome":"fenced","fencedBy":\#(epoch),"commit":5}"#, #"{"outcome":"no_lease","commit":"x"}"#,
            #"{"outcome":"done"}"#, #"{"commit":\#(commit)}"#, #"{"outcome":"released","outcome":"fenced"}"#,
            #"{"outcome":"already_committed","commit":null}"#,
        ]
        for text in ackReplies { Self.checkAgreement(AckReply.self, text) }
        let ackAndLeaseReplies =
            ackReplies + [
                #"{"outcome":"committed","commit":\#(commit),"next":{"outcome":"empty","depth":0}}"#,
                #"{"outcome":"committed","commit":\#(commit),"next":null}"#,
                #"{"outcome":"committed","commit":\#(commit),"next":{"outcome":"leased","depth":1}}"#,
                #"{"outcome":"no_lease","next":{"outcome":"fenced","fencedBy":\#(epoch)}}"#,
                #"{"outcome":"no_lease","next":7}"#, #"{"next":{"outcome":"empty","depth":0}}"#,
            ]
        for text in ackAndLeaseReplies { Self.checkAgreement(AckAndLeaseReply.self, text) }
        let leaseReplies = [
            #"{"outcome":"empty","depth":0}"#, #"{"outcome":"empty"}"#, #"{"outcome":"empty","depth":0,"lease":7}"#,
            #"{"outcome":"leased","depth":1}"#, #"{"outcome":"fenced","fencedBy":\#(epoch)}"#,
            #"{"outcome":"fenced","fencedBy":null}"#, #"{"depth":0,"renewed":false}"#,
        ]
        for text in leaseReplies { Self.checkAgreement(LeaseReply.self, text) }
        let bully = [
            #"{"from":1,"message":{"heartbeat":{"_0":\#(epoch)}}}"#,
            #"{"from":1,"message":{"election":{"known":\#(epoch)}}}"#,
            #"{"from":1,"message":{"heartbeat":{"_0":\#(epoch)},"answer":{"known":\#(epoch)}}}"#,
            #"{"from":1,"message":{"heartbeat":{"_0":\#(epoch)},"other":1}}"#,
            #"{"from":1,"message":{"heartbeat":{"known":\#(epoch)}}}"#,
            #"{"from":1,"message":{"heartbeat":{"_0":\#(epoch),"x":null}}}"#, #"{"from":1,"message":{}}"#,
            #"{"from":1,"message":{"heartbeat":{"_0":\#(epoch)},"heartbeat":{"_0":\#(epoch)}}}"#,
        ]
        for text in bully { Self.checkAgreement(BullyEnvelope.self, text) }
        for text in [#"{}"#, #"{"x":1}"#, #"[]"#, #"5"#, #"null"#] { Self.checkAgreement(NoPayload.self, text) }
    }
}

/// SplitMix64, for the generated messages (this test target has no dependency on `SeededRandom`).
private struct TestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
