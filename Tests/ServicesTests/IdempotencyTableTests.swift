import OrchestratorCore
import Testing

@testable import Services

/// The `Idempotency-Key` table (pure: time is a parameter).
@Suite("Idempotency table")
struct IdempotencyTableTests {
    typealias Table = IdempotencyTable<String>
    let reply = Table.StoredReply(status: 200, body: Array("{\"status\":\"Order Approved\"}".utf8))

    @Test func aNewKeyGetsTheFreshOrderIdAndAFinishedOneIsReplayed() {
        var table = Table()
        guard case .fresh(let id) = table.admit(key: "k1", digest: "d1", freshOrderID: "order-1", now: 0) else {
            Issue.record("a new key was not fresh")
            return
        }
        #expect(id == "order-1")
        table.finish(key: "k1", state: .final(reply), now: 1)
        guard
            case .replay(let again, let orderID) = table.admit(key: "k1", digest: "d1", freshOrderID: "order-2", now: 2)
        else {
            Issue.record("a finished key was not replayed")
            return
        }
        #expect(again == reply)
        #expect(orderID == "order-1", "no second order")
    }

    @Test func theSameKeyWithAnotherBodyIsRefusedWhateverItsState() {
        var table = Table()
        _ = table.admit(key: "k", digest: "d1", freshOrderID: "o1", now: 0)
        guard case .otherBody(let inFlight) = table.admit(key: "k", digest: "d2", freshOrderID: "o2", now: 1) else {
            Issue.record("another body while in flight was accepted")
            return
        }
        #expect(inFlight == "o1")
        table.finish(key: "k", state: .final(reply), now: 2)
        guard case .otherBody = table.admit(key: "k", digest: "d2", freshOrderID: "o3", now: 3) else {
            Issue.record("another body after the reply was accepted")
            return
        }
    }

    @Test func aRequestStillInFlightMakesItsTwinWait() {
        var table = Table()
        _ = table.admit(key: "k", digest: "d", freshOrderID: "o1", now: 0)
        guard case .busy(let id) = table.admit(key: "k", digest: "d", freshOrderID: "o2", now: 1) else {
            Issue.record("a concurrent twin was not told to wait")
            return
        }
        #expect(id == "o1")
    }

    @Test func aRetryAfterA503ReusesTheOrderIdAndTheApproval() {
        var table = Table()
        _ = table.admit(key: "k", digest: "d", freshOrderID: "o1", now: 0)
        table.finish(key: "k", state: .retryable(decided: "approved reply"), now: 1)
        guard case .retry(let id, let decided) = table.admit(key: "k", digest: "d", freshOrderID: "o2", now: 2) else {
            Issue.record("a 503 was cached as final")
            return
        }
        #expect(id == "o1")
        #expect(decided == "approved reply")
        // The retry is in flight now; when it succeeds the reply is final.
        table.finish(key: "k", state: .final(reply), now: 3)
        guard case .replay(_, let orderID) = table.admit(key: "k", digest: "d", freshOrderID: "o3", now: 4) else {
            Issue.record("the settled retry is not replayed")
            return
        }
        #expect(orderID == "o1")
    }

    @Test func entriesExpireAfterTheTTL() {
        var table = Table(limits: .init(maxKeyLength: 255, maxEntries: 100, ttlNanos: 1_000))
        _ = table.admit(key: "old", digest: "d", freshOrderID: "o1", now: 0)
        table.finish(key: "old", state: .final(reply), now: 10)
        _ = table.admit(key: "young", digest: "d", freshOrderID: "o2", now: 500)
        guard case .replay = table.admit(key: "old", digest: "d", freshOrderID: "x", now: 999) else {
            Issue.record("expired too early")
            return
        }
        guard case .fresh(let id) = table.admit(key: "old", digest: "d", freshOrderID: "o3", now: 1_000) else {
            Issue.record("did not expire")
            return
        }
        #expect(id == "o3")
        #expect(table.count == 2)
    }

    @Test func theTableNeverHoldsMoreThanItsBoundAndEvictsTheOldestFirst() {
        var table = Table(limits: .init(maxKeyLength: 255, maxEntries: 50, ttlNanos: .max))
        for index in 0..<10_000 {
            _ = table.admit(key: "k\(index)", digest: "d", freshOrderID: "o\(index)", now: UInt64(index))
            table.finish(key: "k\(index)", state: .final(reply), now: UInt64(index))
            #expect(table.count <= 50)
        }
        guard case .replay(_, let newest) = table.admit(key: "k9999", digest: "d", freshOrderID: "x", now: 10_000)
        else {
            Issue.record("the newest key was evicted")
            return
        }
        #expect(newest == "o9999")
        guard case .fresh = table.admit(key: "k0", digest: "d", freshOrderID: "x", now: 10_001) else {
            Issue.record("the oldest key was kept past the bound")
            return
        }
    }

    @Test(arguments: ["", String(repeating: "a", count: 256), "has space", "tab\there", "ключ"])
    func unacceptableKeysAreRefused(key: String) {
        #expect(Table().problem(withKey: key) != nil)
    }

    @Test func ordinaryKeysAreAccepted() {
        for key in ["a", "load-1b2c-17", "550e8400-e29b-41d4-a716-446655440000", String(repeating: "z", count: 255)] {
            #expect(Table().problem(withKey: key) == nil, "\(key)")
        }
    }
}
