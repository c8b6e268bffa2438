import Cluster
import Foundation
import Testing
import TraceFormat

/// What the load generator really puts on the wire, counted by a stand-in orchestrator: as many requests in flight
/// at once as it has clients, each client on one keep-alive connection of its own; an open loop that keeps to its
/// schedule and, when it cannot, counts the wait from the intended send times.
@Suite(.serialized) struct LoadConcurrencyTests {
    static let untraced = TraceRecorder(node: "load", writer: nil)

    @Test(arguments: [2, 8])
    func nClientsHaveNRequestsInFlightAtOnceEachOnOneConnectionOfItsOwn(clients: Int) throws {
        let orchestrator = try CountingOrchestrator(holdFirst: clients)
        defer { orchestrator.stop() }
        let report = LoadGenerator(baseURL: orchestrator.url, orders: clients * 4, concurrency: clients, year: 2026)
            .run(recorder: Self.untraced)
        let counts = orchestrator.counts
        #expect(report.outcomes == ["approved": clients * 4], "\(report.outcomes)")
        #expect(counts.arrived == clients * 4)
        // The first `clients` requests were held until that many had arrived: all were in flight at once.
        #expect(counts.peakInFlight == clients)
        // One keep-alive connection per client, reused for all of its orders (no reconnects, no extra ones).
        #expect(counts.accepted == clients)
        #expect(counts.clientSocketsAtRelease == clients, "ESTABLISHED sockets to the port in /proc/net/tcp")
        #expect(report.seconds < 4, "the held requests were released by arrivals, not by the 5 s timeout")
        #expect(report.concurrency == clients && report.mode == "closed")
        #expect(Set(report.approvedOrderIDs).count == clients * 4, "every approved order id, once each")
    }

    @Test func anOpenLoopKeepsToItsScheduleNeitherFasterNorSlower() throws {
        let orchestrator = try CountingOrchestrator(delayMs: 2)
        defer { orchestrator.stop() }
        let schedule = try #require(OpenLoopSchedule(rate: 200, duration: .seconds(1)))
        let report = LoadGenerator(baseURL: orchestrator.url, schedule: schedule, concurrency: 8, year: 2026)
            .run(recorder: Self.untraced)
        #expect(report.mode == "open" && report.intendedRate == 200)
        #expect(report.orders == 200 && report.outcomes["approved"] == 200)
        // 200 requests 5 ms apart: the last is due at 995 ms. A generator that sent as fast as it could would be
        // done in well under 0.2 s; one that fell far behind would take much longer.
        #expect(report.seconds >= 0.99 && report.seconds < 2.5, "\(report.seconds) s")
        #expect(report.ordersPerSecond > 80 && report.ordersPerSecond <= 202, "\(report.ordersPerSecond)/s")
        #expect(orchestrator.counts.accepted <= 8)
    }

    @Test func anOpenLoopThatFallsBehindSaysSoAndCountsTheWaitFromTheIntendedTimes() throws {
        // One connection, a 20 ms server and a request due every 5 ms: each request waits for the one before.
        let orchestrator = try CountingOrchestrator(delayMs: 20)
        defer { orchestrator.stop() }
        let schedule = try #require(OpenLoopSchedule(rate: 200, count: 60))
        let report = LoadGenerator(baseURL: orchestrator.url, schedule: schedule, concurrency: 1, year: 2026)
            .run(recorder: Self.untraced)
        #expect(report.outcomes["approved"] == 60)
        #expect(report.fellBehind && report.lateSends > 30)
        // Measured from the actual sends each request took ~20 ms; from the intended times the queue behind the
        // connection shows: request i waits about 15·i ms, so the median is several hundred ms.
        #expect(report.serviceP50Ms >= 19 && report.serviceP50Ms < 150, "\(report.serviceP50Ms)")
        #expect(report.p50Ms > 300, "\(report.p50Ms)")
        #expect(report.maxMs > 800, "\(report.maxMs)")
        #expect(report.sendLagMaxMs > 800, "\(report.sendLagMaxMs)")
        #expect(report.ordersPerSecond < 60, "the achieved rate is the server's ~50/s, not the intended 200/s")
    }
}
