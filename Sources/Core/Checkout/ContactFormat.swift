extension ContactAddress {
    /// True when `contact` loosely looks like an e-mail address (`x@y.z`: one "@", no spaces, a domain of
    /// non-empty dot-separated labels) or a phone number (`isPlausiblePhone`).
    public static func isPlausible(_ contact: String) -> Bool {
        isPlausibleEmail(contact) || isPlausiblePhone(contact)
    }

    /// `x@y.z`: one "@", a local part of at most 64 characters, a domain of two or more non-empty labels made
    /// of letters, digits and hyphens, and no whitespace anywhere.
    public static func isPlausibleEmail(_ contact: String) -> Bool {
        let trimmed = contact.trimmingWhitespace
        guard trimmed.utf8.count <= 254, !trimmed.contains(where: \.isWhitespace),
            let domain = domain(of: trimmed)
        else { return false }
        let local = trimmed.prefix(while: { $0 != "@" })
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return local.count <= 64 && labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            }
    }

    /// 7…15 digits (E.164 allows 15), optionally a leading "+", with spaces, dashes, dots, slashes and
    /// parentheses between them.
    public static func isPlausiblePhone(_ contact: String) -> Bool {
        let trimmed = contact.trimmingWhitespace
        guard trimmed.utf8.count <= 40 else { return false }
        var digitCount = 0
        for (offset, character) in trimmed.enumerated() {
            if character.isASCII && character.isNumber {
                digitCount += 1
            } else if character == "+" {
                guard offset == 0 else { return false }
            } else if !" -./()".contains(character) {
                return false
            }
        }
        return (7...15).contains(digitCount)
    }
}
