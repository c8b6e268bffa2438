import Foundation
import TraceFormat

/// Checks a Chrome Trace Event JSON export the way Perfetto will read it.
/// Returns one message per problem (empty when the export is valid).
enum PerfettoValidator {
    struct Slice {
        var cat: String
        var start: Double
        var end: Double
    }

    struct Track: Hashable {
        var pid: Int64
        var tid: Int64
    }

    static func problems(_ text: String) -> [String] {
        guard let root = try? parseJSON(text) else { return ["not JSON"] }
        guard root["displayTimeUnit"] == "ms", let events = root["traceEvents"]?.arrayValue else {
            return ["expected {\"traceEvents\":[...],\"displayTimeUnit\":\"ms\"}"]
        }
        var problems: [String] = []
        var named = Set<Int64>()
        var used = Set<Int64>()
        var slices: [Track: [Slice]] = [:]
        var flows: [Int64: [TraceValue]] = [:]
        for (index, event) in events.enumerated() {
            let at = "traceEvents[\(index)]"
            guard case .string(let phase)? = event["ph"], case .int(let pid)? = event["pid"],
                case .int(let tid)? = event["tid"]
            else {
                problems.append("\(at): needs ph, pid and tid")
                continue
            }
            used.insert(pid)
            let ts = event["ts"]?.numberValue
            if phase != "M" && (ts == nil || ts! < 0) { problems.append("\(at): ts is not a number ≥ 0") }
            switch phase {
            case "M":
                if event["name"] == "process_name" {
                    if event["args"]?["name"]?.stringValue == nil {
                        problems.append("\(at): process_name without name")
                    }
                    named.insert(pid)
                }
            case "X":
                guard let ts, let dur = event["dur"]?.numberValue, dur >= 0, event["name"]?.stringValue != nil else {
                    problems.append("\(at): X needs name, ts and dur ≥ 0")
                    continue
                }
                let slice = Slice(cat: event["cat"]?.stringValue ?? "", start: ts, end: ts + dur)
                slices[Track(pid: pid, tid: tid), default: []].append(slice)
            case "s", "f":
                guard case .int(let id)? = event["id"] else {
                    problems.append("\(at): flow without a numeric id")
                    continue
                }
                flows[id, default: []].append(event)
            case "i":
                if !["g", "p", "t"].contains(event["s"]?.stringValue ?? "") { problems.append("\(at): bad scope") }
                if event["name"]?.stringValue == nil { problems.append("\(at): instant without name") }
            case "C":
                let values = event["args"]?.objectValue?.values.map(\.numberValue) ?? []
                if event["name"]?.stringValue == nil || values.isEmpty || values.contains(where: { $0 == nil }) {
                    problems.append("\(at): counter needs a name and numeric args")
                }
            default:
                problems.append("\(at): unexpected phase \(phase)")
            }
        }
        for pid in used.subtracting(named).sorted() { problems.append("pid \(pid) has no process_name") }
        for (track, list) in slices { problems += nestingProblems(track, list) }
        for (id, ends) in flows.sorted(by: { $0.key < $1.key }) {
            problems += flowProblems(id, ends, slices: slices)
        }
        return problems
    }

    /// Slices on one track must be disjoint or nested.
    private static func nestingProblems(_ track: Track, _ list: [Slice]) -> [String] {
        let sorted = list.sorted { ($0.start, -$0.end) < ($1.start, -$1.end) }
        var open: [Slice] = []
        for slice in sorted {
            while let top = open.last, top.end < slice.start { open.removeLast() }
            if let top = open.last, slice.end > top.end {
                return ["track \(track): slices overlap without nesting at ts \(slice.start)"]
            }
            open.append(slice)
        }
        return []
    }

    /// One `s` and one `f` with the same name and category; each end lies inside a slice of its track, and the
    /// innermost such slice is the client call (start) or the server handling (end).
    private static func flowProblems(_ id: Int64, _ ends: [TraceValue], slices: [Track: [Slice]]) -> [String] {
        let starts = ends.filter { $0["ph"] == "s" }
        let finishes = ends.filter { $0["ph"] == "f" }
        guard starts.count == 1, finishes.count == 1 else { return ["flow \(id): needs exactly one s and one f"] }
        var problems: [String] = []
        if starts[0]["name"] != finishes[0]["name"] || starts[0]["cat"] != finishes[0]["cat"] {
            problems.append("flow \(id): ends differ in name or cat")
        }
        if finishes[0]["bp"] != "e" { problems.append("flow \(id): f does not bind to the enclosing slice") }
        for (end, expected) in [(starts[0], "rpc.client"), (finishes[0], "rpc.server")] {
            guard case .int(let pid)? = end["pid"], case .int(let tid)? = end["tid"], let ts = end["ts"]?.numberValue
            else {
                problems.append("flow \(id): an end lacks pid, tid or ts")
                continue
            }
            let enclosing = (slices[Track(pid: pid, tid: tid)] ?? []).filter { $0.start <= ts && ts <= $0.end }
            guard let innermost = enclosing.max(by: { $0.start < $1.start }) else {
                problems.append("flow \(id): \(end["ph"]?.stringValue ?? "?") at \(ts) is inside no slice of its track")
                continue
            }
            if innermost.cat != expected { problems.append("flow \(id): binds to a \(innermost.cat) slice") }
        }
        return problems
    }
}
