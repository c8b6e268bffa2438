import Foundation
import Testing

@testable import TraceAnalysis

/// `timeline --order ID --logs`: the order's lines of `<run>/<node>.log`, JSON or text.
@Suite("Order log lines")
struct OrderLogLinesTests {
    @Test func theOrdersJSONAndTextLinesAreFoundWithTheirClockEntries() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("order-logs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let order = "0193a1c2d3e47a5b8c9d0e1f2a3b4c5d"
        try """
        {"clock":3,"level":"info","message":"serving","node":"orchestrator"}
        {"clock":9,"level":"info","message":"order approved","node":"orchestrator","trace_id":"\(trace)"}
        {"clock":11,"level":"info","message":"mentions \(trace) in text only","node":"orchestrator"}
        not json at all
        """.write(toFile: directory + "/orchestrator.log", atomically: true, encoding: .utf8)
        try """
        2026-01-01T00:00:00.000Z executor-2 INFO executor-2: committed [order_id=\(order) clock=42]
        2026-01-01T00:00:00.000Z executor-2 INFO executor-2: idle [clock=43]
        """.write(toFile: directory + "/executor-2.log", atomically: true, encoding: .utf8)
        try "ignored \(order)\n".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)

        let found = OrderLogLines.find(directory: directory, order: order, traceIDs: [trace])
        #expect(found.notes.isEmpty)
        #expect(found.lines.map(\.node) == ["executor-2", "orchestrator"])
        #expect(found.lines.map(\.clock) == [42, 9])
        #expect(found.lines[1].text.contains("order approved"))
        let text = OrderLogLines.render(found.lines, order: order)
        #expect(text.contains("executor-2   @42  2026-01-01T00:00:00.000Z executor-2 INFO"), "\(text)")
        #expect(text.contains("orchestrator @9  {"), "\(text)")

        let none = OrderLogLines.find(directory: directory, order: "ffff", traceIDs: [])
        #expect(none.lines.isEmpty)
        #expect(OrderLogLines.render(none.lines, order: "ffff").hasPrefix("no log lines of order ffff"))
    }
}
