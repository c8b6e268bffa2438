/// Folds letters to the ASCII that people use for them in e-mail addresses ("Müller" → "muller" and
/// "mueller", "Nguyễn" → "nguyen", "Łukasz" → "lukasz"). Letters outside the Latin script are dropped.
enum NameFolding {
    /// Latin letters whose Unicode name does not start with their base letter.
    static let specialLetters: [String: String] = [
        "SHARP S": "ss", "DOTLESS I": "i", "ETH": "d", "THORN": "th", "AE": "ae", "OE": "oe", "KRA": "q",
        "ENG": "ng",
    ]

    /// German transliteration: the e-mail of "Jürgen Müller" is as often "juergen.mueller" as "jurgen.muller".
    static let germanUmlauts: [Character: String] = ["ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"]

    /// The plain folding of `word` and, when it differs, the German one; lowercased ASCII letters only.
    static func variants(of word: Substring) -> [String] {
        let lowered = word.lowercased()
        let plain = fold(lowered)
        guard lowered.contains(where: { germanUmlauts[$0] != nil }) else { return [plain] }
        let german = fold(lowered.map { germanUmlauts[$0] ?? String($0) }.joined())
        return german == plain ? [plain] : [plain, german]
    }

    /// `text` in lowercase ASCII letters: Latin letters lose their diacritics, everything else is dropped.
    static func fold(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(UInt8(scalar.value)) {
                    result.unicodeScalars.append(scalar)
                } else if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(UInt8(scalar.value)) {
                    result.unicodeScalars.append(Unicode.Scalar(scalar.value + 32) ?? scalar)
                }
            } else if let base = latinBase(of: scalar) {
                result += base
            }
        }
        return result
    }

    /// "LATIN SMALL LETTER E WITH CIRCUMFLEX AND TILDE" → "e"; nil for non-Latin scalars and combining marks.
    static func latinBase(of scalar: Unicode.Scalar) -> String? {
        guard scalar.properties.isAlphabetic, let name = scalar.properties.name else { return nil }
        let prefixes = [
            "LATIN SMALL LETTER ", "LATIN CAPITAL LETTER ", "LATIN SMALL LIGATURE ", "LATIN CAPITAL LIGATURE ",
        ]
        guard let prefix = prefixes.first(where: { name.hasPrefix($0) }) else { return nil }
        let rest = name.dropFirst(prefix.count)
        let letter = rest.split(separator: " WITH ", maxSplits: 1).first.map(String.init) ?? String(rest)
        if let special = specialLetters[letter] { return special }
        guard letter.count == 1, letter.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return letter.lowercased()
    }
}
