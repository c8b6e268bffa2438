import Causality
import Foundation
import OTLP
import RPC
import Testing
import TraceFormat
import TestTimeLimits

/// The live exporter never makes recording wait, keeps its memory bounded, and stops within its deadline while
/// the collector is down or silent.
@Suite struct LiveExporterBoundsTests {
    static func events(_ count: Int) -> [TraceEvent] {
        var events: [TraceEvent] = []
        for index in 0..<count {
            let sequence = UInt64(index + 1)
            let span = String(format: "%016x", index + 1)
            let clock = VectorClock(["queue": sequence])
            events.append(
                TraceEvent(
                    wallTimeNanos: Int64(index), node: "queue", pid: 1, sequence: sequence, kind: .log,
                    traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: span, parentSpanID: nil, clock: clock,
                    data: [:]))
        }
        return events
    }

    /// A socket that accepts connections into its backlog and never answers.
    static func silentListener() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(descriptor, 16) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func aSilentCollectorCostsRecordingNothingAndEveryLossIsCounted() throws {
        let listener = try Self.silentListener()
        defer { close(listener.descriptor) }
        var settings = OTLPLiveExporter.Settings(url: "http://127.0.0.1:\(listener.port)/v1/traces")
        settings.maximumQueuedEvents = 1_000
        settings.timeout = .milliseconds(300)
        settings.interval = .milliseconds(50)
        let exporter = OTLPLiveExporter(settings: settings, metrics: .disabled)
        exporter.start()
        let events = Self.events(20_000)
        let started = ContinuousClock.now
        for event in events { exporter.observe(event) }
        let observing = ContinuousClock.now - started
        print("20,000 observations (queued or dropped) took \(observing)")
        #expect(observing < .seconds(1), "20,000 observations took \(observing)")
        let stopping = ContinuousClock.now
        exporter.stop()
        #expect(ContinuousClock.now - stopping < .seconds(2), "a stop waits for at most one deadline per round")
        let statistics = exporter.statistics
        #expect(statistics.spansExported == 0)
        #expect(statistics.requestsFailed >= 1)
        // Every event is a one-event span here: each was either dropped at the inbox or in a failed request.
        #expect(statistics.eventsDropped + statistics.spansDropped == events.count, "\(statistics)")
        #expect(statistics.eventsDropped >= events.count - settings.maximumQueuedEvents * 2, "\(statistics)")
    }
}
