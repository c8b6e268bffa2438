import Foundation
import Logging
import RPC
import Testing

/// JSON log lines: sorted keys, typed values, node and clock entry.
@Suite("JSON log lines")
struct JSONLogLineTests {
    @Test func metadataKeepTheirTypesAndIdentifiersStayStrings() {
        #expect(LogLineValue("42", key: "waiting") == .integer(42))
        #expect(LogLineValue("-7", key: "delta") == .integer(-7))
        #expect(LogLineValue("0.25", key: "score") == .double(0.25))
        #expect(LogLineValue("true", key: "durable") == .bool(true))
        #expect(LogLineValue(.stringConvertible(401), key: "status") == .integer(401))
        #expect(LogLineValue(.stringConvertible(UInt64.max), key: "n") == .unsigned(UInt64.max))
        #expect(LogLineValue(.stringConvertible(false), key: "ok") == .bool(false))
        #expect(LogLineValue(.stringConvertible(1.5), key: "ms") == .double(1.5))
        // Not numbers: leading zeros, hex, too long, identifiers, text.
        #expect(LogLineValue("007", key: "code") == .string("007"))
        #expect(LogLineValue("1e3", key: "x") == .string("1e3"))
        #expect(LogLineValue("1234567890123456789", key: "x") == .string("1234567890123456789"))
        #expect(LogLineValue("12345", key: "order_id") == .string("12345"))
        #expect(LogLineValue("12345", key: "trace") == .string("12345"))
        #expect(LogLineValue("3", key: "executorId") == .string("3"))
        #expect(LogLineValue("1.", key: "x") == .string("1."))
        #expect(LogLineValue("queue", key: "peer") == .string("queue"))
        #expect(
            LogLineValue(.dictionary(["a": "1", "id": "2"]), key: "m")
                == .object(["a": .integer(1), "id": .string("2")]))
    }

    @Test func aLineIsOneJSONObjectWithSortedKeysNodeTraceAndClock() throws {
        let line = TraceLogHandler.jsonLine(
            level: .warning, message: "gave up \"acking\"",
            metadata: [
                "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "attempts": "3",
                "peer": "queue", "zeta": .stringConvertible(0.5),
            ], label: "executor-2", node: "executor-2", clock: 17, timestamp: "2026-01-01T00:00:00.000Z")
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["node"] as? String == "executor-2")
        #expect(object["clock"] as? Int == 17)
        #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(object["span_id"] as? String == "00f067aa0ba902b7")
        #expect(object["attempts"] as? Int == 3)
        #expect(object["zeta"] as? Double == 0.5)
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "gave up \"acking\"")
        // Keys in sorted order, as written.
        let keys = try Regex(#""([a-z_]+)":"#)
        let order = line.matches(of: keys).map { String(line[$0.output[1].range!]) }
        #expect(order == order.sorted() && order.count == object.count, "\(order)")
        // A quoted number stays a JSON number, not a string.
        #expect(line.contains(#""attempts":3"#) && line.contains(#""clock":17"#))
    }
}
