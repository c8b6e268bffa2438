extension ContactAddress {
    /// True when `contact` loosely looks like an e-mail address (`x@y.z`: one "@", no spaces, a domain of
    /// non-empty dot-separated labels) or a phone number (`isPlausiblePhone`).
    public static func isPlausible(_ contact: String) -> Bool {
        isPlausibleEmail(contact) || isPlausiblePhone(contact)
    }

    /// `x@y.z`: one "@", a local part of at most 64 characters, a domain of two or more non-empty labels made
    /// of letters, digits and hyphens, and no whitespace anywhere.
    public static func isPlausibleEmail(_ contact: String) -> Bool {
        isPlausibleASCIIEmail(contact) ?? isPlausibleEmailCharacters(contact)
    }

    /// `isPlausibleEmail` for an ASCII contact, over its bytes; nil when `contact` is not all ASCII.
    static func isPlausibleASCIIEmail(_ contact: String) -> Bool? {
        guard let trimmed = contact.trimmingASCIIWhitespace else { return nil }
        let bytes = trimmed.utf8
        guard bytes.count <= 254, !bytes.contains(where: ASCII.isWhitespace),
            case .some(.some(let domain)) = asciiDomain(of: trimmed)
        else { return false }
        let localLength = bytes.firstIndex(of: UInt8(ascii: "@")).map { bytes.distance(from: bytes.startIndex, to: $0) }
        guard localLength ?? 0 <= 64 else { return false }
        let labels = domain.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty
                    && label.allSatisfy { byte in
                        (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-")
                    }
            }
    }

    /// `isPlausibleEmail` for any contact, a `Character` at a time.
    static func isPlausibleEmailCharacters(_ contact: String) -> Bool {
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
