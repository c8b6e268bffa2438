/// A year and month on the calendar, as the shell reads it from the wall clock. The rules compare months,
/// never instants, so they stay free of time zones and `Date` arithmetic.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The full year, e.g. 2026.
    public var year: Int
    /// 1…12.
    public var month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    /// The month `count` months later (earlier when negative).
    public func adding(months count: Int) -> CalendarDate {
        let index = year &* 12 &+ (month - 1) &+ count
        let (quotient, remainder) = index.quotientAndRemainder(dividingBy: 12)
        // Keep the month in 1…12 for negative indices too.
        return remainder < 0
            ? CalendarDate(year: quotient - 1, month: remainder + 13)
            : CalendarDate(year: quotient, month: remainder + 1)
    }

    /// "2026-11".
    public var description: String {
        let paddedMonth = month < 10 ? "0\(month)" : "\(month)"
        return "\(year)-\(paddedMonth)"
    }
}
