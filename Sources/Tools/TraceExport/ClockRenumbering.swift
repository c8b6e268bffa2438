import Causality
import TraceFormat

/// Re-derives vector clocks for an exported subset of a run, as ShiViz requires: each host's own entry goes up by
/// exactly 1 per exported event starting at 1, and a clock only names hosts that are in the export.
///
/// Replay, in an order that extends happened-before: own entry +1 per event; a receive (`rpc.receive`,
/// `rpc.reply.receive`) first merges the renumbered clock of its matching exported send (`rpc.send`,
/// `rpc.reply.send`, paired by message id, sender and receiver as in docs/trace-format.md §4.3, and only when the
/// original clocks show that the receive did merge that send). Causality that ran through events left out of the
/// export is therefore not in the new clocks.
enum ClockRenumbering {
    /// The events in a linear extension of happened-before: a merge of the hosts' own sequences (each kept in
    /// file order) by the sum of the original clock entries, ties by host then sequence number. A send's clock is
    /// smaller than its receive's, so its sum is too.
    static func linearize(_ perHost: [String: [TraceEvent]]) -> [TraceEvent] {
        let hosts = perHost.keys.sorted()
        var queues = hosts.map { perHost[$0]! }
        var heads = Array(repeating: 0, count: hosts.count)
        let total = queues.reduce(0) { $0 + $1.count }
        var result: [TraceEvent] = []
        result.reserveCapacity(total)
        while result.count < total {
            var best: (index: Int, sum: UInt64, seq: UInt64)?
            for index in hosts.indices where heads[index] < queues[index].count {
                let event = queues[index][heads[index]]
                let sum = clockSum(event.clock)
                if best == nil || (sum, event.sequence) < (best!.sum, best!.seq) {
                    best = (index, sum, event.sequence)
                }
            }
            result.append(queues[best!.index][heads[best!.index]])
            heads[best!.index] += 1
        }
        queues.removeAll()
        return result
    }

    static func clockSum(_ clock: VectorClock) -> UInt64 {
        clock.counterSum
    }

    private struct MessageKey: Hashable {
        var message: String
        var sender: String
        var receiver: String
        var isReply: Bool
    }

    /// The renumbered clock of every event of `ordered` (same order); `host` maps a node id to its host name.
    static func renumber(_ ordered: [TraceEvent], host: (String) -> String) -> [VectorClock] {
        var clocks: [String: VectorClock] = [:]
        var sends: [MessageKey: [(original: VectorClock, renumbered: VectorClock)]] = [:]
        var result: [VectorClock] = []
        result.reserveCapacity(ordered.count)
        for event in ordered {
            let name = host(event.node)
            var clock = clocks[name] ?? VectorClock()
            if let key = receiveKey(event, host: host),
                let send = sends[key]?.last(where: { $0.original.isDominated(by: event.clock) })
            {
                clock.merge(send.renumbered)
            }
            clock.tick(name)
            clocks[name] = clock
            if let key = sendKey(event, host: host) { sends[key, default: []].append((event.clock, clock)) }
            result.append(clock)
        }
        return result
    }

    private static func sendKey(_ event: TraceEvent, host: (String) -> String) -> MessageKey? {
        guard let rpc = RPCEvent.decoded(event), let message = rpc.msg, let peer = rpc.peer else {
            return nil
        }
        switch event.kind {
        case .rpcSend:
            return MessageKey(message: message, sender: host(event.node), receiver: host(peer), isReply: false)
        case .rpcReplySend:
            return MessageKey(message: message, sender: host(event.node), receiver: host(peer), isReply: true)
        default: return nil
        }
    }

    private static func receiveKey(_ event: TraceEvent, host: (String) -> String) -> MessageKey? {
        guard let rpc = RPCEvent.decoded(event), let message = rpc.msg, let peer = rpc.peer else {
            return nil
        }
        switch event.kind {
        case .rpcReceive:
            return MessageKey(message: message, sender: host(peer), receiver: host(event.node), isReply: false)
        case .rpcReplyReceive:
            return MessageKey(message: message, sender: host(peer), receiver: host(event.node), isReply: true)
        default: return nil
        }
    }
}
