import OTLP
import TraceFormat

/// One complete (`X`) slice of the Perfetto export: an RPC seen by its client or its server, or a span.
struct PerfettoSlice {
    enum Role: String {
        case client = "rpc.client"
        case server = "rpc.server"
        case span = "span"
    }

    var role: Role
    var node: String
    var start: TraceEvent
    var end: TraceEvent?
    /// End time in ns: the closing event, or the node's last selected event when the slice never closed.
    var endNanos: Int64
    /// Track (thread) within the node's process track; 1-based, assigned by `PerfettoLanes`.
    var lane = 0

    var name: String {
        SpanEventFields.name(start) ?? (role == .span ? "span" : "rpc")
    }
}

/// Builds slices from RPC and span events, and the message flows between them.
enum PerfettoSliceBuilder {
    private struct Key: Hashable {
        var node: String
        var pid: Int32
        var role: String
        var id: String
    }

    /// The slices of `events` (RPC and span events only), in a deterministic order.
    /// - Parameter lastNanos: the last selected event time of each node, to end slices that never closed.
    static func slices(_ events: [TraceEvent], lastNanos: [String: Int64]) -> [PerfettoSlice] {
        var starts: [Key: TraceEvent] = [:]
        var ends: [Key: TraceEvent] = [:]
        for event in events {
            guard let (role, opens) = classify(event.kind) else { continue }
            let id = event.spanID ?? RPCEvent.decoded(event)?.msg ?? "seq-\(event.sequence)"
            let key = Key(node: event.node, pid: event.pid, role: role.rawValue, id: id)
            if opens { starts[key] = event } else { ends[key] = event }
        }
        var result: [PerfettoSlice] = []
        for (key, start) in starts {
            let end = ends[key]
            let endNanos = max(start.wallTimeNanos, end?.wallTimeNanos ?? lastNanos[key.node] ?? start.wallTimeNanos)
            result.append(
                PerfettoSlice(
                    role: PerfettoSlice.Role(rawValue: key.role)!, node: key.node, start: start, end: end,
                    endNanos: endNanos))
        }
        result.sort {
            ($0.node, $0.start.wallTimeNanos, $0.start.sequence) < ($1.node, $1.start.wallTimeNanos, $1.start.sequence)
        }
        return result
    }

    private static func classify(_ kind: EventKind) -> (PerfettoSlice.Role, Bool)? {
        switch kind {
        case .rpcSend: return (.client, true)
        case .rpcReplyReceive, .rpcFailure: return (.client, false)
        case .rpcReceive: return (.server, true)
        case .rpcReplySend: return (.server, false)
        case .spanStart: return (.span, true)
        case .spanEnd: return (.span, false)
        default: return nil
        }
    }

    /// Request flows as (client slice index, server slice index): a server span's parent is the caller's call span
    /// of the same trace (docs/trace-format.md §4.4).
    static func flows(_ slices: [PerfettoSlice]) -> [(client: Int, server: Int)] {
        var clients: [String: Int] = [:]
        for (index, slice) in slices.enumerated() where slice.role == .client {
            if let trace = slice.start.traceID, let span = slice.start.spanID { clients[trace + "/" + span] = index }
        }
        var result: [(client: Int, server: Int)] = []
        for (index, slice) in slices.enumerated() where slice.role == .server {
            guard let trace = slice.start.traceID, let parent = slice.start.parentSpanID,
                let client = clients[trace + "/" + parent]
            else { continue }
            result.append((client, index))
        }
        return result
    }
}

/// Puts the slices of each node on numbered tracks so that slices on one track nest properly (Perfetto draws a
/// track as a stack: a slice either lies inside the one below it or starts after it ended).
enum PerfettoLanes {
    /// Sets `lane` on every slice (1-based per node); returns the number of lanes of each node.
    static func assign(_ slices: inout [PerfettoSlice]) -> [String: Int] {
        let order = slices.indices.sorted {
            let (a, b) = (slices[$0], slices[$1])
            if a.node != b.node { return a.node < b.node }
            if a.start.wallTimeNanos != b.start.wallTimeNanos { return a.start.wallTimeNanos < b.start.wallTimeNanos }
            if a.endNanos != b.endNanos { return a.endNanos > b.endNanos }  // the longer one is the outer one
            return a.start.sequence < b.start.sequence
        }
        var stacks: [String: [[(start: Int64, end: Int64)]]] = [:]  // node → lanes → open slices
        for index in order {
            let slice = slices[index]
            var lanes = stacks[slice.node] ?? []
            let interval = (start: slice.start.wallTimeNanos, end: slice.endNanos)
            var chosen: Int?
            for lane in lanes.indices {
                // Close what ended strictly before this slice starts (touching slices would make a flow's
                // timestamp ambiguous, so they go to different lanes).
                while let top = lanes[lane].last, top.end < interval.start { lanes[lane].removeLast() }
                if let top = lanes[lane].last {
                    if interval.start > top.start && interval.end <= top.end { chosen = lane }
                } else {
                    chosen = lane
                }
                if chosen != nil { break }
            }
            if chosen == nil {
                lanes.append([])
                chosen = lanes.count - 1
            }
            lanes[chosen!].append(interval)
            stacks[slice.node] = lanes
            slices[index].lane = chosen! + 1
        }
        return stacks.mapValues(\.count)
    }
}
