import Foundation
import Logging
import Testing

@testable import RPC

/// Text log lines and their timestamps, written byte by byte.
@Suite("Text log lines")
struct TextLogLineTests {
    @Test func timestampsAreUTCWithMillisecondsAndZeroPadded() {
        #expect(TraceLogHandler.timestamp(nanos: 1_796_180_645_678_000_000) == "2026-12-02T03:04:05.678Z")
        #expect(TraceLogHandler.timestamp(nanos: 915_926_399_005_000_000) == "1999-01-09T23:59:59.005Z")
        #expect(TraceLogHandler.timestamp(nanos: 0) == "1970-01-01T00:00:00.000Z")
    }

    @Test func theCurrentTimestampMatchesFoundationsFormatter() throws {
        let nanos = UInt64(Date().timeIntervalSince1970 * 1e9)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let date = Date(timeIntervalSince1970: Double(nanos / 1_000_000) / 1000)
        #expect(TraceLogHandler.timestamp(nanos: nanos) == formatter.string(from: date))
    }

    @Test func aLineHasNodeLevelLabelMessageAndSortedMetadataWithTheClockLast() throws {
        let line = String(
            decoding: TraceLogHandler.textLine(
                level: .notice, message: "order decided", metadata: ["zeta": "z", "alpha": "1", "order_id": "o-1"],
                label: "orchestrator", node: "orchestrator", clock: 42),
            as: UTF8.self)
        let timestamp = try #require(line.split(separator: " ").first)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z"))
        #expect(
            line.dropFirst(25)
                == "orchestrator NOTICE orchestrator: order decided [alpha=1 order_id=o-1 zeta=z clock=42]\n")
        let bare = String(
            decoding: TraceLogHandler.textLine(
                level: .info, message: "listening", metadata: [:], label: "rpc", node: nil, clock: nil),
            as: UTF8.self)
        #expect(bare.dropFirst(25) == "INFO rpc: listening\n")
    }
}
