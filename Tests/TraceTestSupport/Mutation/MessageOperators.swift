import Causality
import ClusterProtocol
import SeededRandom
import TraceFormat

/// Mutations of message pairing (docs/trace-format.md §4.2–§4.3): the clocks stay consistent, the pairs do not.
enum MessageOperators {
    static let all: [MutationOperator] = [
        MutationOperator("orphan-receive", rule: "§4.3: every receive matches a send", .events(orphan)),
        MutationOperator("duplicate-receive", rule: "§4.3: each send is received at most once", .events(duplicate)),
        MutationOperator("reused-message-id", rule: "§4.3: ambiguous pairs are reported", .events(reused)),
        MutationOperator(
            "reply-without-request", rule: "§4.2: a server replies only to a request it received", .events(reply)),
    ]

    /// The send of a request is removed from a complete trace; its receive now merges the sender's event before it.
    static func orphan(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        guard let (send, receive) = ClockOperators.sendPair(run, &rng, kinds: [.rpcSend]),
            let (node, index) = run.locate(send.id)
        else { return nil }
        var run = run
        run.remove(node: node, at: index, redirect: run.events[node]![index - 1].id)
        return Mutant(
            run: run, planted: [receive.id],
            description: "orphan-receive: \(send.event.handle) removed, \(receive.event.handle) keeps its message")
    }

    /// A matched receive is recorded a second time, right after the first.
    static func duplicate(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { _, _, event in event.event.kind == .rpcReceive && event.source != nil }
        guard let (node, index) = rng.pick(spots) else { return nil }
        var run = run
        let original = run.events[node]![index]
        let copy = run.insert(original.event, node: node, at: index + 1, source: original.source)
        return Mutant(run: run, planted: [copy], description: "duplicate-receive of \(original.event.handle)")
    }

    /// A later call from one node to the same peer reuses an earlier call's message id (all four events of it).
    static func reused(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { node, index, event in
            guard event.event.kind == .rpcSend, let peer = run.string(event.event, "peer"), run.reliable.contains(peer)
            else { return false }
            return run.events[node]![..<index].contains {
                $0.event.kind == .rpcSend && run.string($0.event, "peer") == peer
            }
        }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let list = run.events[node]!
        let later = list[index]
        let peer = run.string(later.event, "peer")!
        let earlier = rng.pick(
            list[..<index].filter { $0.event.kind == .rpcSend && run.string($0.event, "peer") == peer })!
        let (old, new) = (run.string(later.event, "msg")!, run.string(earlier.event, "msg")!)
        guard old != new else { return nil }
        var run = run
        for other in [node, peer] {
            for position in run.events[other]!.indices {
                let event = run.events[other]!.indices.contains(position) ? run.events[other]![position].event : nil
                guard let event, event.kind.rawValue.hasPrefix("rpc."), run.string(event, "msg") == old,
                    run.string(event, "peer") == (other == node ? peer : node)
                else { continue }
                run.events[other]![position].event.data["msg"] = .string(new)
            }
        }
        let receive = run.all.first { $0.source == later.id }
        return Mutant(
            run: run, planted: [later.id] + (receive.map { [$0.id] } ?? []),
            description: "reused-message-id: \(later.event.handle) sends \(new) again (first \(earlier.event.handle))")
    }

    /// A server records a reply to a request it never received (a fresh message id of a real client).
    static func reply(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { _, index, event in
            index >= 1 && event.event.kind == .rpcReceive && event.source != nil
        }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let request = run.events[node]![index].event
        let client = run.string(request, "peer")!
        let position = 1 + rng.below(run.events[node]!.count - 1)
        let msg = "\(client)-\(run.events[client]?.first?.event.pid ?? 0)-\(900_000 + rng.below(100_000))"
        let payload = RPCReplySend(
            msg: msg, peer: client, method: run.string(request, "method") ?? "?", status: "ok", httpStatus: 200,
            durationNanos: 250_000)
        var event = request
        event.kind = RPCReplySend.kind
        event.data = payload.encoded()
        event.traceID = nil
        event.spanID = nil
        event.parentSpanID = nil
        var run = run
        let id = run.insert(event, node: node, at: position)
        return Mutant(
            run: run, planted: [id], description: "reply-without-request: \(node) replies \(msg) to \(client)")
    }
}
