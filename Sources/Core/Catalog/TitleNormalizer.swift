/// Turns what a customer typed, or a catalog title, into a comparable key.
///
/// The rule: lowercase; fold Latin diacritics and ligatures to ASCII ("Gödel" → "godel", "Æ" → "ae"); drop
/// apostrophes ("Ender's" → "enders"); "&" reads as "and"; every other non-letter, non-digit becomes a space;
/// runs of spaces collapse; one leading article ("the", "a", "an") is dropped. Pure and Foundation-free.
public enum TitleNormalizer {
    /// The normalized key of `text`.
    public static func normalize(_ text: String) -> String {
        normalizeASCII(text) ?? normalizeScalars(text)
    }

    /// `normalize` for any text, a scalar at a time.
    static func normalizeScalars(_ text: String) -> String {
        var folded = ""
        folded.reserveCapacity(text.utf8.count)
        for scalar in text.lowercased().unicodeScalars {
            folded += fold(scalar)
        }
        var words = folded.split(separator: " ")
        if words.count > 1, ["the", "a", "an"].contains(words[0]) {
            words.removeFirst()
        }
        return words.joined(separator: " ")
    }

    /// `normalize` for ASCII text, byte by byte (the general path makes a `String` per character): the same key,
    /// or nil when `text` has a byte outside ASCII.
    static func normalizeASCII(_ text: String) -> String? {
        var key: [UInt8] = []
        key.reserveCapacity(text.utf8.count + 4)
        var words = 0
        var firstWordEnd = 0
        var inWord = false
        func letter(_ byte: UInt8) {
            if !inWord {
                if words == 1 { firstWordEnd = key.count }
                if words > 0 { key.append(0x20) }
                words += 1
                inWord = true
            }
            key.append(byte)
        }
        for byte in text.utf8 {
            switch byte {
            case 0x80...: return nil
            case 0x41...0x5A: letter(byte | 0x20)
            case 0x30...0x39, 0x61...0x7A: letter(byte)
            case 0x27, 0x60: continue  // apostrophes: "Ender's" is one word
            case 0x26:  // "&" is the word "and"
                inWord = false
                for byte in "and".utf8 { letter(byte) }
                inWord = false
            default: inWord = false
            }
        }
        if words > 1, isArticle(key[0..<firstWordEnd]) { key.removeFirst(firstWordEnd + 1) }
        return String(decoding: key, as: UTF8.self)
    }

    private static func isArticle(_ word: ArraySlice<UInt8>) -> Bool {
        word.elementsEqual("the".utf8) || word.elementsEqual("a".utf8) || word.elementsEqual("an".utf8)
    }

    /// A normalized key without its spaces ("catch 22" → "catch22").
    static func compact(_ key: String) -> String {
        guard key.utf8.allSatisfy({ $0 < 0x80 }) else { return key.replacing(" ", with: "") }
        return String(decoding: key.utf8.filter { $0 != 0x20 }, as: UTF8.self)
    }

    /// Words of a normalized key that carry meaning (not stopwords, not single letters).
    static func significantTokens(of key: String) -> Set<Substring> {
        Set(key.split(separator: " ").filter { $0.count >= 2 && !stopwords.contains($0) })
    }

    static let stopwords: Set<Substring> = [
        "the", "a", "an", "and", "of", "in", "on", "to", "for", "with", "by", "at", "from", "is",
    ]

    /// One scalar as ASCII-ish text: kept, folded, dropped ("") or a space.
    static func fold(_ scalar: Unicode.Scalar) -> String {
        let value = scalar.value
        switch value {
        case 0x30...0x39, 0x61...0x7A:
            return String(scalar)
        case 0x27, 0x60, 0xB4, 0x2BC, 0x2018, 0x2019:  // apostrophes: "Ender's" is one word
            return ""
        case 0x300...0x36F:  // combining diacritical marks (text typed in decomposed form)
            return ""
        case 0x26:
            return " and "
        case 0xC0...0xFF:
            return foldedLetter(latin1, base: 0xC0, value)
        case 0x100...0x17F:
            return foldedLetter(latinExtendedA, base: 0x100, value)
        default:
            // Letters of other scripts (Cyrillic, CJK...) stay as they are; everything else separates words.
            return scalar.properties.isAlphabetic ? String(scalar) : " "
        }
    }

    private static func foldedLetter(_ table: [UInt8], base: UInt32, _ value: UInt32) -> String {
        switch table[Int(value - base)] {
        case UInt8(ascii: " "): return " "
        case UInt8(ascii: "#"): return ligatures[value] ?? " "
        case let code: return String(UnicodeScalar(code))
        }
    }

    /// U+00C0...U+00FF, one ASCII letter each; "#" = see `ligatures`, " " = not a letter (× ÷).
    private static let latin1 = Array("aaaaaa#ceeeeiiiidnooooo ouuuuy##aaaaaa#ceeeeiiiidnooooo ouuuuy#y".utf8)
    /// U+0100...U+017F, one ASCII letter each; "#" = see `ligatures`.
    private static let latinExtendedA = Array(
        ("aaaaaa" + "cccccccc" + "dddd" + "eeeeeeeeee" + "gggggggg" + "hhhh" + "iiiiiiiiii" + "##" + "jj" + "kkk"
            + "llllllllll" + "nnnnnnnnn" + "oooooo" + "##" + "rrrrrr" + "ssssssss" + "tttttt" + "uuuuuuuuuuuu"
            + "ww" + "yyy" + "zzzzzz" + "s").utf8)
    private static let ligatures: [UInt32: String] = [
        0xC6: "ae", 0xDE: "th", 0xDF: "ss", 0xE6: "ae", 0xFE: "th",
        0x132: "ij", 0x133: "ij", 0x152: "oe", 0x153: "oe",
    ]
}

/// Levenshtein distance, giving up (returning nil) as soon as it must exceed `limit`.
enum EditDistance {
    static func bounded(_ lhs: [UInt8], _ rhs: [UInt8], limit: Int) -> Int? {
        if abs(lhs.count - rhs.count) > limit { return nil }
        if lhs.isEmpty || rhs.isEmpty { return max(lhs.count, rhs.count) }
        var previous = Array(0...rhs.count)
        var current = [Int](repeating: 0, count: rhs.count + 1)
        for i in 1...lhs.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...rhs.count {
                let substitution = previous[j - 1] + (lhs[i - 1] == rhs[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[rhs.count] <= limit ? previous[rhs.count] : nil
    }
}
