import Foundation

/// The segments of one node's trace: `<node>.jsonl.gz`, then `<node>.1.jsonl.gz`, `<node>.2.jsonl.gz`, … (the
/// writer moves to the next one past `TraceFileSettings.segmentBytes`). A node's events are its segments read
/// in order. Node ids must therefore not end in `.<digits>`.
public enum TraceSegments {
    /// The suffix of every trace file.
    public static let suffix = ".jsonl.gz"

    /// The file name of segment `segment` of `node` (segment 0 is `<node>.jsonl.gz`).
    public static func fileName(node: String, segment: Int) -> String {
        segment == 0 ? node + suffix : "\(node).\(segment)\(suffix)"
    }

    /// The path of segment `segment` of `node` in `directory`.
    public static func path(node: String, segment: Int, directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName(node: node, segment: segment))
    }

    /// The node and segment number a trace file name stands for; nil for other files.
    public static func parse(fileName: String) -> (node: String, segment: Int)? {
        guard fileName.hasSuffix(suffix), fileName.count > suffix.count else { return nil }
        let stem = String(fileName.dropLast(suffix.count))
        if let dot = stem.lastIndex(of: "."), dot > stem.startIndex {
            let digits = stem[stem.index(after: dot)...]
            if !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCIIDigit), let number = Int(digits),
                number > 0
            {
                return (String(stem[..<dot]), number)
            }
        }
        return (stem, 0)
    }

    /// Every node with a trace file in `directory` and the paths of its segments in order, sorted by node.
    public static func nodes(in directory: String) -> [(node: String, paths: [String])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var segments: [String: [(Int, String)]] = [:]
        for name in names {
            guard let (node, segment) = parse(fileName: name) else { continue }
            segments[node, default: []].append((segment, (directory as NSString).appendingPathComponent(name)))
        }
        return segments.keys.sorted().map { node in
            (node, segments[node]!.sorted { $0.0 < $1.0 }.map(\.1))
        }
    }

    /// The segment numbers of `node` in `directory`, ascending (empty when it has no file).
    public static func segmentNumbers(node: String, directory: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in
            guard let parsed = parse(fileName: name), parsed.node == node else { return nil }
            return parsed.segment
        }.sorted()
    }

    /// The paths of `node`'s segments in `directory`, in order.
    public static func paths(node: String, directory: String) -> [String] {
        segmentNumbers(node: node, directory: directory).map { path(node: node, segment: $0, directory: directory) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
