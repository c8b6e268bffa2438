extension TransactionVerifier {
    /// Card checks:
    /// - `number` present and plausible (`CardNumber.problem`: digits, length for its network, not one
    ///   repeated digit, Luhn);
    /// - `expirationDate` present, "MM/YY" or "MM/YYYY", not before `today`'s month and at most
    ///   `maxExpiryYearsAhead` years ahead;
    /// - `cvv` present, digits only: 4 for American Express, 3 for the other known networks, 3 or 4 when the
    ///   network is unknown.
    func verifyCard(_ card: CheckoutRequest.CreditCard?, today: CalendarDate, into findings: inout [Finding]) {
        let limit = limits.maxFieldLength
        var network: CardNetwork?
        switch text(card?.number, at: "creditCard.number", limit: limit, into: &findings) {
        case .missing:
            findings.append(Finding(.cardNumberMissing, "creditCard.number", "The card number is missing."))
        case .tooLong:
            break
        case .present(let number):
            network = CardNetwork.identify(number)
            if let problem = CardNumber.problem(with: number) {
                findings.append(Self.finding(for: problem))
            }
        }

        switch text(card?.expirationDate, at: "creditCard.expirationDate", limit: limit, into: &findings) {
        case .missing:
            findings.append(Finding(.cardExpiryMissing, "creditCard.expirationDate", "The expiry date is missing."))
        case .tooLong:
            break
        case .present(let text):
            verifyExpiry(text, today: today, into: &findings)
        }

        switch text(card?.cvv, at: "creditCard.cvv", limit: limit, into: &findings) {
        case .missing:
            findings.append(Finding(.cardCVVMissing, "creditCard.cvv", "The card's security code is missing."))
        case .tooLong:
            break
        case .present(let cvv):
            let lengths = network.map { $0.cvvLength...$0.cvvLength } ?? 3...4
            if !lengths.contains(cvv.utf8.count) || !cvv.allSatisfy(CardExpiry.isASCIIDigit) {
                let expected = lengths.count == 1 ? "\(lengths.lowerBound) digits" : "3 or 4 digits"
                findings.append(
                    Finding(.cardCVVInvalid, "creditCard.cvv", "The card's security code must be \(expected)."))
            }
        }
    }

    func verifyExpiry(_ text: String, today: CalendarDate, into findings: inout [Finding]) {
        let field = "creditCard.expirationDate"
        guard let expiry = CardExpiry.parse(text) else {
            findings.append(Finding(.cardExpiryMalformed, field, "The expiry date must be MM/YY."))
            return
        }
        if expiry.isExpired(on: today) {
            findings.append(Finding(.cardExpired, field, "The card expired at the end of \(expiry.lastValidMonth)."))
        } else if expiry.lastValidMonth > today.adding(months: limits.maxExpiryYearsAhead &* 12) {
            findings.append(
                Finding(
                    .cardExpiryTooFar, field,
                    "An expiry more than \(limits.maxExpiryYearsAhead) years ahead is not plausible."))
        }
    }

    static func finding(for problem: CardNumber.Problem) -> Finding {
        let field = "creditCard.number"
        switch problem {
        case .malformed:
            return Finding(.cardNumberMalformed, field, "The card number may hold only digits, spaces and dashes.")
        case .wrongLength:
            return Finding(.cardNumberLengthInvalid, field, "The card number has the wrong number of digits.")
        case .placeholder:
            return Finding(.cardNumberPlaceholder, field, "The card number is one digit repeated.")
        case .checksumFailed:
            return Finding(.cardNumberChecksumFailed, field, "The card number fails its check digit (Luhn).")
        }
    }
}
