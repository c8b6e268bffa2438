import Foundation
import TraceFormat

/// Why a run cannot be analysed at all (exit status 2).
public enum RunLoadError: Error, CustomStringConvertible, Equatable {
    case notADirectory(String)
    case noTraceFiles(String)
    /// An input that is neither a directory nor a `*.jsonl.gz` trace file.
    case notATraceFile(String)
    /// Two files (from two hosts' folders, or a file whose events name another node) claim one node id.
    case duplicateNode(node: String, paths: [String])
    /// A file whose events are recorded by another node than its name says.
    case misnamedFile(path: String, nameSays: String, eventsSay: String)

    public var description: String {
        switch self {
        case .notADirectory(let path): return "\(path): not a readable directory"
        case .noTraceFiles(let path): return "\(path): no *.jsonl.gz trace files"
        case .notATraceFile(let path): return "\(path): neither a run directory nor a <node>.jsonl.gz trace file"
        case .duplicateNode(let node, let paths):
            let folders = Set(paths.map { ($0 as NSString).deletingLastPathComponent })
            return "two files claim node \(node): \(paths.joined(separator: " and ")); a run has one file per node"
                + (folders.count > 1
                    ? " (to check two successive runs on one queue, give the later one with `check RUN --then LATER`)"
                    : "")
        case .misnamedFile(let path, let name, let events):
            return "\(path): its events are recorded by node \(events), but its name says \(name) "
                + "(a node's trace file is <node>.jsonl.gz)"
        }
    }
}

/// The trace files of a run given as several inputs: run directories (one per host, as `scripts/collect-traces`
/// gathers them) and single `<node>.jsonl.gz` files, joined into one run with one stream per node.
struct RunInputs {
    /// Every node's segments in order, sorted by node.
    var segments: [(node: String, paths: [String])] = []

    /// Resolves `inputs`; refuses an input that is not there, and two folders holding a file of the same node.
    init(_ inputs: [String]) throws {
        var byNode: [String: (folder: String, segments: [Int: String])] = [:]
        var seen = Set<String>()
        for input in inputs {
            for (node, segment, path) in try Self.files(of: input) {
                let real = (path as NSString).resolvingSymlinksInPath
                guard seen.insert(real).inserted else { continue }
                let folder = (real as NSString).deletingLastPathComponent
                if let known = byNode[node] {
                    guard known.folder == folder, known.segments[segment] == nil else {
                        let other = known.segments[segment] ?? known.segments.values.sorted().first ?? ""
                        throw RunLoadError.duplicateNode(node: node, paths: [other, path])
                    }
                }
                byNode[node, default: (folder, [:])].segments[segment] = path
            }
        }
        segments = byNode.keys.sorted().map { node in
            (node, byNode[node]!.segments.sorted { $0.key < $1.key }.map(\.value))
        }
    }

    /// The trace files of one input: a directory's, or the file itself.
    private static func files(of input: String) throws -> [(String, Int, String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw isDirectory.boolValue || input.hasSuffix("/") || !input.hasSuffix(TraceSegments.suffix)
                ? RunLoadError.notADirectory(input) : RunLoadError.notATraceFile(input)
        }
        if isDirectory.boolValue {
            guard (try? FileManager.default.contentsOfDirectory(atPath: input)) != nil else {
                throw RunLoadError.notADirectory(input)
            }
            let nodes = TraceSegments.nodes(in: input)
            guard !nodes.isEmpty else { throw RunLoadError.noTraceFiles(input) }
            return nodes.flatMap { node in
                node.paths.map { path in
                    let name = (path as NSString).lastPathComponent
                    return (node.node, TraceSegments.parse(fileName: name)?.segment ?? 0, path)
                }
            }
        }
        guard let parsed = TraceSegments.parse(fileName: (input as NSString).lastPathComponent) else {
            throw RunLoadError.notATraceFile(input)
        }
        return [(parsed.node, parsed.segment, input)]
    }

    /// Refuses a file whose events name another node than its file name, naming the file that owns that node
    /// when there is one. `firstNodes` maps a node (by file name) to the node of its first readable event.
    static func verifyClaims(
        _ segments: [(node: String, paths: [String])], firstNodes: [String: String]
    ) throws {
        let pathByNode = Dictionary(uniqueKeysWithValues: segments.map { ($0.node, $0.paths[0]) })
        for (node, paths) in segments {
            guard let claimed = firstNodes[node], claimed != node else { continue }
            if let owner = pathByNode[claimed] {
                throw RunLoadError.duplicateNode(node: claimed, paths: [owner, paths[0]].sorted())
            }
            throw RunLoadError.misnamedFile(path: paths[0], nameSays: node, eventsSay: claimed)
        }
    }
}
