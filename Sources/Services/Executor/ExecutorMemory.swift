import Election
import TraceFormat

/// What a restarted executor remembers of its earlier incarnations: its own trace file is its durable record.
enum ExecutorMemory {
    /// The highest epoch named in the node's earlier election events (`.none` for a first start).
    static func highestEpoch(node: String, directory: String) -> Epoch {
        var highest = Epoch.none
        let path = TraceRecorder.path(node: node, directory: directory)
        _ = try? TraceFileReader().read(path: path) { event in
            guard event.kind == .electionLeader || event.kind == .electionReceive || event.kind == .electionSend,
                let text = event.data["epoch"]?.stringValue, let epoch = Epoch(text)
            else { return }
            if epoch > highest { highest = epoch }
        }
        return highest
    }
}

extension Epoch {
    /// Parses `term.leader` as printed by `description`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let term = UInt64(parts[0]), let leader = Int(parts[1]) else { return nil }
        self.init(term: term, leader: leader)
    }
}
