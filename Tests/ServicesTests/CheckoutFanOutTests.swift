import Cluster
import Foundation
import RPC
import Services
import TestTimeLimits
import Testing
import TraceFormat

/// A listening socket that never answers: connections complete (the kernel accepts them) and requests go
/// unanswered, as with a service that hangs.
private final class BlackHole {
    private let fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }
}

/// The orchestrator's fan-out (verification, fraud and suggestions at once from the request's thread) with a
/// service that does not answer.
@Suite("Checkout fan-out", .serialized)
struct CheckoutFanOutTests {
    @Test(.runningTimeLimit(.seconds(60)))
    func aServiceThatHangsGivesA503NamingItAtItsDeadlineWhileTheOthersAnswer() throws {
        let traces = temporaryPath("fan-out")
        defer { try? FileManager.default.removeItem(atPath: traces) }
        let degraded = try InProcessCluster(tracesDirectory: traces) { config in
            config.fraudModel = fraudModelPath
            config.deadlines.fraudMs = 400
        }
        defer { degraded.stop() }
        degraded.stop(.fraud)
        let port = try #require(degraded.config.fraud.address.split(separator: ":").last.flatMap { Int($0) })
        let hole = try #require(BlackHole(port: port), "cannot listen on the fraud service's port \(port)")

        let started = ContinuousClock.now
        let response = try orchestratorClient(degraded.orchestratorURL).request(
            "POST", "/checkout", body: Data(courseBody().utf8))
        let elapsed = ContinuousClock.now - started
        withExtendedLifetime(hole) {}
        #expect(response.status == 503)
        let error = try #require(jsonObject(response.body)?["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("fraud") == true, "\(error)")
        #expect(elapsed >= .milliseconds(380), "the fraud call waits for its deadline, took \(elapsed)")
        #expect(elapsed < .milliseconds(1500), "and no longer, took \(elapsed)")
        degraded.stop()

        let events = try readRun(traces)["orchestrator", default: []]
        let failures = events.compactMap { $0.payload(RPCFailure.self) }
        #expect(failures.count == 1 && failures.first?.peer == "fraud", "\(failures)")
        #expect(failures.first?.status == "deadline_exceeded")
        let replies = events.compactMap { $0.payload(RPCReplyReceive.self) }.filter { $0.status == "ok" }
        #expect(Set(replies.compactMap(\.peer)) == ["verification", "suggestions"], "\(replies)")
        let fraudFailure = try #require(events.first { $0.payload(RPCFailure.self) != nil })
        let durations = failures.compactMap(\.durationNanos)
        #expect(durations.allSatisfy { $0 >= 380_000_000 && $0 < 1_500_000_000 }, "\(durations)")
        #expect(fraudFailure.traceID == events.first { $0.kind == .rpcReplyReceive }?.traceID)
    }

    @Test(.runningTimeLimit(.seconds(120)))
    func manyCheckoutsAtOnceAreAllDecided() throws {
        let cluster = try InProcessCluster(tracesDirectory: nil) { $0.fraudModel = fraudModelPath }
        defer { cluster.stop() }
        let client = orchestratorClient(cluster.orchestratorURL)
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<25 {
                let status = (try? client.request("POST", "/checkout", body: Data(courseBody().utf8)))?.status ?? 0
                statuses.add(status)
            }
        }
        #expect(statuses.all.count == 100 && statuses.all.allSatisfy { $0 == 200 }, "\(statuses.all)")
    }
}

private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func add(_ status: Int) { lock.withLock { items.append(status) } }
    var all: [Int] { lock.withLock { items } }
}
