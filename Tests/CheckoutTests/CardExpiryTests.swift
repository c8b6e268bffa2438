import Checkout
import Testing

struct CardExpiryTests {
    @Test func parsesTwoAndFourDigitYears() throws {
        let short = try #require(CardExpiry.parse("12/25"))
        #expect(short.month == 12 && short.year == 2025)
        let long = try #require(CardExpiry.parse("03/2031"))
        #expect(long.month == 3 && long.year == 2031)
        let oneDigitMonth = try #require(CardExpiry.parse(" 7/28 "))
        #expect(oneDigitMonth.month == 7 && oneDigitMonth.year == 2028)
    }

    @Test(arguments: [
        "00/25", "13/25", "1225", "12-25", "ab/cd", "12/2", "12/025", "12/20255", "/25", "12/", "", "12//25",
        "١٢/٢٥", "12/25/01", "+1/25", "12 / 25",
    ])
    func rejectsMalformedDates(text: String) {
        #expect(CardExpiry.parse(text) == nil)
    }

    @Test func cardIsValidThroughItsExpiryMonth() throws {
        let expiry = try #require(CardExpiry.parse("06/26"))
        #expect(!expiry.isExpired(on: CalendarDate(year: 2026, month: 6)))
        #expect(!expiry.isExpired(on: CalendarDate(year: 2026, month: 5)))
        #expect(expiry.isExpired(on: CalendarDate(year: 2026, month: 7)))
    }

    @Test func yearRolloverIsHandled() throws {
        let december = try #require(CardExpiry.parse("12/25"))
        #expect(!december.isExpired(on: CalendarDate(year: 2025, month: 12)))
        #expect(december.isExpired(on: CalendarDate(year: 2026, month: 1)))
        let january = try #require(CardExpiry.parse("01/2026"))
        #expect(!january.isExpired(on: CalendarDate(year: 2025, month: 12)))
        #expect(january.isExpired(on: CalendarDate(year: 2026, month: 2)))
    }

    @Test func calendarArithmeticWrapsMonths() {
        #expect(CalendarDate(year: 2025, month: 11).adding(months: 3) == CalendarDate(year: 2026, month: 2))
        #expect(CalendarDate(year: 2026, month: 1).adding(months: -1) == CalendarDate(year: 2025, month: 12))
        #expect(CalendarDate(year: 2026, month: 3).adding(months: 240) == CalendarDate(year: 2046, month: 3))
        #expect(CalendarDate(year: 2026, month: 3).description == "2026-03")
    }
}
