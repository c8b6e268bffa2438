/// Epochs in text: `term.leader`, as `description` prints them (the trace format's and the wire's spelling).
/// The one parser of that text: every reader of traces, state files and logs uses it.
extension Epoch: LosslessStringConvertible {
    /// Parses `term.leader` as printed by `description`.
    public init?(_ text: String) {
        // Split on the bytes, not on Characters: the same parts for this ASCII separator, without grapheme breaking
        // (the analyzer parses an epoch for most protocol events it reads).
        let parts = text.utf8.split(separator: UInt8(ascii: "."))
        guard parts.count == 2, let term = UInt64(Substring(parts[0])), let leader = Int(Substring(parts[1])) else {
            return nil
        }
        self.init(term: term, leader: leader)
    }

    /// Parses `term.leader` with the wire's bounds: term ≤ 2^53, leader id 1…1024.
    public init?(validating text: String) {
        guard text.utf8.count <= 40, let epoch = Epoch(text), epoch.term <= 1 << 53, (1...1024).contains(epoch.leader)
        else { return nil }
        self = epoch
    }
}
