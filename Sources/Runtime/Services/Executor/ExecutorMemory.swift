import ClusterProtocol
import Election
import Foundation
import TraceFormat

/// What a restarted executor remembers of its earlier incarnations: the highest epoch it named, kept in its
/// trace state file (`<run>/<node>.state`, `highest.epoch`) by the trace writer, so a restart never reads the
/// whole trace.
public enum ExecutorMemory {
    /// The state-file watch that remembers the highest epoch of the election and work events
    /// (add it to `TraceFileSettings.watches` before the executor's recorder is made).
    public static let epochWatch = TraceStateWatch(
        name: "epoch",
        kinds: [.electionLeader, .electionReceive, .electionSend, .electionStepDown, .executorDequeue],
        extract: { event in epoch(of: event).map(\.description) }, isValid: { Epoch(validating: $0) != nil },
        isHigher: { lhs, rhs in
            guard let lhs = Epoch(validating: lhs) else { return false }
            guard let rhs = Epoch(validating: rhs) else { return true }
            return lhs > rhs
        })

    /// The epoch an election or work event names (its payload's `epoch`), nil for other kinds or malformed events.
    static func epoch(of event: TraceEvent) -> Epoch? {
        switch event.kind {
        case .electionLeader: event.payload(ElectionLeader.self)?.epoch
        case .electionReceive: event.payload(ElectionReceive.self)?.message.epoch
        case .electionSend: event.payload(ElectionSend.self)?.message.epoch
        case .electionStepDown: event.payload(ElectionStepDown.self)?.epoch
        case .executorDequeue: event.payload(ExecutorDequeue.self)?.epoch
        default: nil
        }
    }

    /// The highest epoch the node's earlier incarnations named (`.none` for a first start), from its state file.
    /// Without a state file that remembers one (a run from before state files, or no epoch watch configured),
    /// the node's trace segments are read as before.
    public static func highestEpoch(node: String, directory: String) -> Epoch {
        let settings = TraceFileSettings.current
        if let state = try? TraceNodeState.load(node: node, directory: directory, settings: settings),
            let text = state.highest["epoch"], let epoch = Epoch(validating: text)
        {
            return epoch
        }
        if settings.watches.contains(where: { $0.name == epochWatch.name }) {
            // The recorder already read what the trace holds and found no epoch: a first start.
            return .none
        }
        var highest = Epoch.none
        _ = try? TraceFileReader().read(node: node, directory: directory) { event in
            guard event.node == node, epochWatch.kinds.contains(event.kind), let epoch = epoch(of: event) else {
                return
            }
            if epoch > highest { highest = epoch }
        }
        return highest
    }
}
