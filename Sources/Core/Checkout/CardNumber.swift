/// Card number plausibility, checked in this order:
/// 1. only ASCII digits once spaces and dashes are removed (`malformed`);
/// 2. 12…19 digits, and a length the network issues when the prefix names one: Amex 15, Visa 13/16/19,
///    Mastercard 16, Diners 14–19, Discover/JCB/UnionPay 16–19, Maestro 12–19 (`wrongLength`);
/// 3. not one digit repeated, e.g. "0000 0000 0000 0000", which passes Luhn (`placeholder`);
/// 4. the Luhn checksum (`checksumFailed`).
/// An unknown prefix is accepted when the rest holds: networks come and go (Mir, RuPay…) and the fraud model's
/// `card_prefix_risk` feature already weighs unknown prefixes.
public enum CardNumber {
    /// Why a card number is not plausible.
    public enum Problem: Sendable, Hashable {
        case malformed, wrongLength, placeholder, checksumFailed
    }

    /// Accepted lengths regardless of network (ISO/IEC 7812 PANs).
    public static let lengths = 12...19

    /// The digits of `number` with spaces and dashes removed, or nil when anything else is in it or it is
    /// longer than any card number could be with separators.
    public static func digits(of number: String) -> [Int]? {
        // A 19-digit number with a separator between every digit is under 40 characters.
        guard number.utf8.count <= 64 else { return nil }
        var digits: [Int] = []
        for byte in number.utf8 where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            digits.append(Int(byte - UInt8(ascii: "0")))
        }
        return digits
    }

    /// The first problem with `number`, or nil when it is a plausible card number.
    public static func problem(with number: String) -> Problem? {
        guard let digits = digits(of: number), !digits.isEmpty else { return .malformed }
        guard lengths.contains(digits.count) else { return .wrongLength }
        if let network = CardNetwork.identify(digits: digits), !network.lengths.contains(digits.count) {
            return .wrongLength
        }
        guard digits.contains(where: { $0 != digits[0] }) else { return .placeholder }
        return Luhn.isValid(number) ? nil : .checksumFailed
    }

    /// True when `number` has no `problem`.
    public static func isPlausible(_ number: String) -> Bool {
        problem(with: number) == nil
    }
}

extension CardNetwork {
    /// The number lengths the network issues.
    public var lengths: Set<Int> {
        switch self {
        case .amex: [15]
        case .visa: [13, 16, 19]
        case .mastercard: [16]
        case .dinersClub: Set(14...19)
        case .discover, .jcb, .unionPay: Set(16...19)
        case .maestro: Set(12...19)
        }
    }

    /// The number of CVV digits printed on the network's cards (Amex's CID has four).
    public var cvvLength: Int { self == .amex ? 4 : 3 }
}
