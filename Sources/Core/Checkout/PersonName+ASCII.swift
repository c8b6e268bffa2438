/// Byte-level forms of the name checks for ASCII text, which nearly every order has: the `Character` rules cost
/// the fraud service a sixth of its CPU (`perf`, 8 clients). Each gives exactly what its `Character` rule gives
/// (`NameChecksFastPathTests` compares them on seeded random names, addresses and domains); nil hands non-ASCII text back to it.
extension PersonName {
    /// `isPlausibleCharacters` for an ASCII name; nil when `name` is not all ASCII.
    static func isPlausibleASCII(_ name: String) -> Bool? {
        guard let trimmed = name.trimmingASCIIWhitespace else { return nil }
        let bytes = Array(trimmed.utf8)
        guard !placeholders.contains(String(decoding: bytes.map(ASCII.lowercased), as: UTF8.self)) else {
            return false
        }
        // No ASCII letter is in a spaceless script, so a one-word name is never plausible here.
        let words = bytes.split(whereSeparator: ASCII.isWhitespace)
        guard (3...100).contains(ASCII.characterCount(bytes)), words.count >= 2 else { return false }
        for word in words {
            guard let first = word.first, ASCII.isLetter(first) else { return false }
            var letters = 0
            var vowels = 0
            var repeated = true
            for byte in word {
                if ASCII.isLetter(byte) {
                    letters += 1
                    if Self.vowels.contains(ASCII.lowercased(byte)) { vowels += 1 }
                    if ASCII.lowercased(byte) != ASCII.lowercased(first) { repeated = false }
                } else if byte != UInt8(ascii: "'") && byte != UInt8(ascii: "-") && byte != UInt8(ascii: ".") {
                    return false
                }
            }
            // Keyboard mashing: five or more letters, nothing else, no vowel.
            if letters >= 5 && letters == word.count && vowels == 0 { return false }
            // One letter repeated through a word of three or more letters.
            if letters >= 3 && repeated { return false }
        }
        return true
    }

    private static let vowels: [UInt8] = Array("aeiouy".utf8)

    /// `tokens(_:)` of an ASCII name: each word's one variant, lowercased bytes; nil when `name` is not all ASCII.
    static func asciiTokens(_ name: String) -> [[UInt8]]? {
        let bytes = Array(name.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let end = ASCII.endOfCharacters(200, in: bytes)
        return bytes[..<end].split(whereSeparator: { !ASCII.isLetter($0) })
            .map { $0.map(ASCII.lowercased) }
            .filter { $0.count >= 2 && !honorifics.contains(String(decoding: $0, as: UTF8.self)) }
    }
}

extension ContactAddress {
    /// `matchesNameCharacters` when the contact and the name are ASCII; nil otherwise.
    static func matchesNameASCII(_ contact: String, name: String) -> Bool? {
        guard let tokens = PersonName.asciiTokens(name) else { return nil }
        let bytes = Array(contact.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        guard !tokens.isEmpty else { return true }
        // The local part folded: its letters, lowercased (trimming the start first would drop no letter).
        var local: [UInt8] = []
        for byte in bytes[..<ASCII.endOfCharacters(200, in: bytes)] {
            if byte == UInt8(ascii: "@") { break }
            if ASCII.isLetter(byte) { local.append(ASCII.lowercased(byte)) }
        }
        if tokens.contains(where: { ASCII.contains($0, in: local) }) { return true }
        guard tokens.count >= 2, let last = tokens.last else { return false }
        let initials = tokens.map { $0[0] }
        return local.starts(with: initials) || local.starts(with: [initials[0]] + last.prefix(3))
    }
}
