/// Epochs in text: `term.leader`, as `description` prints them (the trace format's and the wire's spelling).
/// The one parser of that text: every reader of traces, state files and logs uses it.
extension Epoch: LosslessStringConvertible {
    /// Parses `term.leader` as printed by `description`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let term = UInt64(parts[0]), let leader = Int(parts[1]) else { return nil }
        self.init(term: term, leader: leader)
    }

    /// Parses `term.leader` with the wire's bounds: term ≤ 2^53, leader id 1…1024.
    public init?(validating text: String) {
        guard text.utf8.count <= 40, let epoch = Epoch(text), epoch.term <= 1 << 53, (1...1024).contains(epoch.leader)
        else { return nil }
        self = epoch
    }
}
