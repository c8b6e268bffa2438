import Foundation

/// The lines of a run's service logs (`<run>/<node>.log`, written by `bookstore up`) that belong to one order:
/// for `trace-analyzer timeline --order ID --logs`. A JSON line belongs when its `trace_id` is one of the order's
/// trace ids or its `order_id`/`order` is the order; a text line when it contains one of them. Each line's `clock`
/// (the node's vector-clock entry) places it on the timeline next to the trace event with that `vc[node]`.
public enum OrderLogLines {
    /// One matching log line.
    public struct Line: Sendable, Equatable {
        public var node: String
        /// The node's clock entry the line carries (`"clock"` in JSON, `clock=N` in text), if any.
        public var clock: UInt64?
        public var text: String
    }

    /// Log files larger than this are read up to this many bytes (a note says so).
    public static let maximumBytesPerFile = 256 << 20

    /// The matching lines of every `*.log` in `directory`, by node name, each node's in file order.
    public static func find(directory: String, order: String, traceIDs: Set<String>) -> (lines: [Line], notes: [String])
    {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".log") }.sorted()
        let needles = traceIDs.union([order]).filter { !$0.isEmpty }
        var lines: [Line] = []
        var notes: [String] = []
        for name in names {
            let node = String(name.dropLast(".log".count))
            let path = (directory as NSString).appendingPathComponent(name)
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: maximumBytesPerFile)) ?? Data()
            if data.count == maximumBytesPerFile { notes.append("\(name): only its first 256 MiB were read") }
            for raw in data.split(separator: UInt8(ascii: "\n")) {
                let text = String(decoding: raw, as: UTF8.self)
                if let line = match(text, node: node, order: order, needles: needles) { lines.append(line) }
            }
        }
        return (lines, notes)
    }

    /// The line as a `Line` when it belongs to the order.
    static func match(_ text: String, node: String, order: String, needles: Set<String>) -> Line? {
        guard needles.contains(where: { text.contains($0) }) else { return nil }
        if text.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        {
            let ids = ["trace_id", "order_id", "order"].compactMap { object[$0] as? String }
            guard ids.contains(where: needles.contains) else { return nil }
            return Line(node: node, clock: (object["clock"] as? NSNumber)?.uint64Value, text: text)
        }
        let clock = text.firstRange(of: "clock=").flatMap { range in
            UInt64(text[range.upperBound...].prefix { $0.isNumber })
        }
        return Line(node: node, clock: clock, text: text)
    }

    /// `node clock: line`, one a line, under a heading.
    public static func render(_ lines: [Line], order: String) -> String {
        guard !lines.isEmpty else { return "no log lines of order \(order) in <run>/<node>.log\n" }
        let width = lines.map(\.node.count).max() ?? 0
        var text = "log lines of order \(order) (node, clock entry vc[node], line):\n"
        for line in lines {
            let clock = line.clock.map { "@\($0)" } ?? "@-"
            text += "  " + line.node.padding(toLength: width, withPad: " ", startingAt: 0) + " \(clock)  \(line.text)\n"
        }
        return text
    }
}
