/// Epochs in text: `term.leader`, as `description` prints them (the trace format's and the wire's spelling).
/// The one parser of that text: every reader of traces, state files and logs uses it.
extension Epoch: LosslessStringConvertible {
    /// Parses `term.leader` as printed by `description`.
    public init?(_ text: String) {
        // The common spelling in one pass over the bytes, no allocation (the analyzer parses an epoch for most
        // protocol events it reads); anything else (signs, extra dots, overflow, non-digits) takes the general path.
        if let epoch = Epoch.plainDecimal(text) {
            self = epoch
            return
        }
        // Split on the bytes, not on Characters: the same parts for this ASCII separator, without grapheme breaking
        // (the analyzer parses an epoch for most protocol events it reads).
        let parts = text.utf8.split(separator: UInt8(ascii: "."))
        guard parts.count == 2, let term = UInt64(Substring(parts[0])), let leader = Int(Substring(parts[1])) else {
            return nil
        }
        self.init(term: term, leader: leader)
    }

    /// `digits.digits` whose term fits a `UInt64` and whose leader fits an `Int`; nil for any other text.
    private static func plainDecimal(_ text: String) -> Epoch? {
        var term: UInt64 = 0
        var leader: UInt64 = 0
        var termDigits = 0
        var leaderDigits = 0
        var inLeader = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !inLeader else { return nil }
                inLeader = true
                continue
            }
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            if inLeader {
                guard let next = appending(digit, to: leader) else { return nil }
                leader = next
                leaderDigits += 1
            } else {
                guard let next = appending(digit, to: term) else { return nil }
                term = next
                termDigits += 1
            }
        }
        guard inLeader, termDigits > 0, leaderDigits > 0, let leaderID = Int(exactly: leader) else { return nil }
        return Epoch(term: term, leader: leaderID)
    }

    /// `value * 10 + digit`, or nil when it overflows.
    private static func appending(_ digit: UInt8, to value: UInt64) -> UInt64? {
        let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
        let (sum, carried) = shifted.addingReportingOverflow(UInt64(digit))
        return overflowed || carried ? nil : sum
    }

    /// Parses `term.leader` with the wire's bounds: term ≤ 2^53, leader id 1…1024.
    public init?(validating text: String) {
        guard text.utf8.count <= 40, let epoch = Epoch(text), epoch.term <= 1 << 53, (1...1024).contains(epoch.leader)
        else { return nil }
        self = epoch
    }
}
