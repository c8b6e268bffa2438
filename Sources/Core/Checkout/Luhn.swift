/// The Luhn (mod 10) checksum that card numbers carry in their last digit.
public enum Luhn {
    /// True when `number`, with spaces and dashes removed, is two or more ASCII digits whose Luhn sum is a
    /// multiple of ten. Any other character makes it invalid. Length plausibility is `CardNumber`'s concern.
    public static func isValid(_ number: String) -> Bool {
        var sum = 0
        var count = 0
        // Double every second digit from the right; a doubled digit above 9 contributes its digit sum.
        for byte in number.utf8.reversed() where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
            let digit = Int(byte - UInt8(ascii: "0"))
            let value = count.isMultiple(of: 2) ? digit : digit * 2
            sum = (sum + (value > 9 ? value - 9 : value)) % 10
            count += 1
        }
        return count >= 2 && sum == 0
    }
}
