/// A card's expiry month, parsed from "MM/YY" (the course contract) or "MM/YYYY". A card is valid through
/// the end of its expiry month.
public struct CardExpiry: Sendable, Hashable {
    /// 1…12.
    public let month: Int
    /// The full year: two-digit years are read as 20YY.
    public let year: Int

    public init?(month: Int, year: Int) {
        guard (1...12).contains(month), (2000...9999).contains(year) else { return nil }
        self.month = month
        self.year = year
    }

    /// Parses "MM/YY" or "MM/YYYY" (a one-digit month such as "1/27" is also read; surrounding spaces are
    /// ignored). Returns nil for anything else: month 00 or 13+, letters, no slash, other year lengths.
    public static func parse(_ text: String) -> CardExpiry? {
        let trimmed = text.trimmingWhitespace
        // Bound the work on hostile input: the longest accepted form is "MM/YYYY".
        guard trimmed.utf8.count <= 7 else { return nil }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
            (1...2).contains(parts[0].count), parts[1].count == 2 || parts[1].count == 4,
            parts[0].allSatisfy(isASCIIDigit), parts[1].allSatisfy(isASCIIDigit),
            let month = Int(parts[0]), let rawYear = Int(parts[1])
        else { return nil }
        return CardExpiry(month: month, year: parts[1].count == 2 ? 2000 + rawYear : rawYear)
    }

    /// The last month in which the card can be used.
    public var lastValidMonth: CalendarDate { CalendarDate(year: year, month: month) }

    /// True once `today` is after the expiry month (the expiry month itself is still valid).
    public func isExpired(on today: CalendarDate) -> Bool {
        today > lastValidMonth
    }

    static func isASCIIDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }
}
