import Foundation
import SeededRandom
import TraceFormat

/// Damage to the files of a run (docs/trace-format.md §1.7, §7, §3.4 "duplicate node ids"): the checker must answer
/// "unverifiable" (exit 2) or warn, never report a violation the damage made up.
enum DamageOperators {
    static let all: [MutationOperator] = [
        MutationOperator("cut-file", rule: "§1.7: a cut file is read up to the cut and reported", .files(cut)),
        MutationOperator("bit-flip", rule: "§1.7: corruption is reported, later data not trusted", .files(flip)),
        MutationOperator("garbage-line", rule: "§1.7: a malformed line is reported, reading goes on", .files(garbage)),
        MutationOperator(
            "unsupported-version", rule: "§7: readers reject a version they do not support", .files(version)),
        MutationOperator("duplicate-node-id", rule: "§3.4: two files claiming one node id", .files(duplicateNode)),
    ]

    static func path(_ directory: String, _ node: String) -> String { "\(directory)/\(node).jsonl.gz" }

    static func cut(_ run: MutationRun, _ directory: String, _ rng: inout SplitMix64) throws -> Damage? {
        guard let node = rng.pick(run.nodes) else { return nil }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path(directory, node)))
        guard bytes.count > 40 else { return nil }
        let keep = bytes.count / 10 + rng.below(bytes.count * 8 / 10)
        bytes = bytes.prefix(keep)
        try bytes.write(to: URL(fileURLWithPath: path(directory, node)))
        return Damage(node: node, description: "cut-file \(node) at byte \(keep)")
    }

    static func flip(_ run: MutationRun, _ directory: String, _ rng: inout SplitMix64) throws -> Damage? {
        guard let node = rng.pick(run.nodes) else { return nil }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path(directory, node)))
        guard bytes.count > 40 else { return nil }
        let offset = 10 + rng.below(bytes.count - 18)
        let bit = UInt8(1) << UInt8(rng.below(8))
        bytes[offset] ^= bit
        try bytes.write(to: URL(fileURLWithPath: path(directory, node)))
        return Damage(node: node, description: "bit-flip \(node) byte \(offset) bit \(bit)")
    }

    /// One line replaced: by text that is not JSON, or by the event without its `vc`.
    static func garbage(_ run: MutationRun, _ directory: String, _ rng: inout SplitMix64) throws -> Damage? {
        guard let node = rng.pick(run.nodes) else { return nil }
        var lines = run.events[node]!.map { event in
            var line: [UInt8] = []
            TraceEventEncoder.appendLine(event.event, to: &line)
            return line
        }
        let index = rng.below(lines.count)
        let noClock = rng.below(2) == 0
        if noClock, let text = String(bytes: lines[index], encoding: .utf8),
            let range = text.range(of: #","vc":\{[^}]*\}"#, options: .regularExpression)
        {
            lines[index] = Array(text.replacingCharacters(in: range, with: "").utf8)
        } else {
            lines[index] = Array("#garbage \(rng.next()) not an event\n".utf8)
        }
        try writeGzip(lines.flatMap { $0 }, to: path(directory, node))
        return Damage(node: node, description: "garbage-line \(node):\(index + 1)" + (noClock ? " (no vc)" : ""))
    }

    /// The lines of one node from line `k` on (the whole file when k = 1) written in format version 2.
    static func version(_ run: MutationRun, _ directory: String, _ rng: inout SplitMix64) throws -> Damage? {
        guard let node = rng.pick(run.nodes) else { return nil }
        let count = run.events[node]!.count
        let start = rng.below(2) == 0 ? 0 : rng.below(count)
        var bytes: [UInt8] = []
        for (index, event) in run.events[node]!.enumerated() {
            var event = event.event
            if index >= start { event.version = 2 }
            TraceEventEncoder.appendLine(event, to: &bytes)
        }
        try writeGzip(bytes, to: path(directory, node))
        return Damage(
            node: node, description: "unsupported-version \(node) from line \(start + 1)",
            mustMention: "version")
    }

    /// A second file whose events claim the node id of another file (a slice of that node's events).
    static func duplicateNode(_ run: MutationRun, _ directory: String, _ rng: inout SplitMix64) throws -> Damage? {
        guard let node = rng.pick(run.nodes) else { return nil }
        let list = run.events[node]!
        let start = rng.below(list.count)
        let end = start + 1 + rng.below(list.count - start)
        var bytes: [UInt8] = []
        for event in list[start..<end] { TraceEventEncoder.appendLine(event.event, to: &bytes) }
        let copy = "\(node)-copy"
        try writeGzip(bytes, to: path(directory, copy))
        return Damage(
            node: node, description: "duplicate-node-id: \(copy).jsonl.gz holds \(node)'s lines \(start + 1)–\(end)")
    }

    /// One closed gzip member, compressed like the trace writer does.
    static func writeGzip(_ bytes: [UInt8], to path: String) throws {
        let compressor = try GzipCompressor()
        try Data(compressor.compress(bytes, finish: true)).write(to: URL(fileURLWithPath: path))
    }
}
