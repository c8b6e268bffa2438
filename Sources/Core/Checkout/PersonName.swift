/// Whether a string looks like a person's name: two or more words of letters (apostrophes, hyphens and
/// periods allowed inside), each starting with a letter, no digits, 3…100 characters, not a placeholder, no
/// keyboard mashing. Names in scripts written without spaces (Chinese, Japanese, Korean) may be one word of
/// two or more characters.
public enum PersonName {
    static let placeholders: Set<String> = [
        "test", "test test", "asdf", "qwerty", "john doe test", "xxx", "aaa", "foo bar", "n/a", "none", "anonymous",
        "test user", "first last", "firstname lastname", "name surname", "asdf asdf", "fake name",
    ]

    /// Apostrophes people type in names: ASCII, and the typographic ones phones substitute ("O’Brien").
    static let apostrophes: Set<Character> = ["'", "\u{2019}", "\u{2018}", "\u{02BC}"]

    public static func isPlausible(_ name: String) -> Bool {
        // Cheap bound first: 100 characters are never more than a few hundred UTF-8 bytes in real names.
        guard name.utf8.count <= 2_000 else { return false }
        return isPlausibleASCII(name) ?? isPlausibleCharacters(name)
    }

    /// `isPlausible` for any name of at most 2,000 bytes, a `Character` at a time.
    static func isPlausibleCharacters(_ name: String) -> Bool {
        let trimmed = name.trimmingWhitespace
        guard !placeholders.contains(trimmed.lowercased()) else { return false }
        let words = trimmed.split(whereSeparator: \.isWhitespace)
        if words.count == 1, let word = words.first, (2...20).contains(word.count),
            word.unicodeScalars.allSatisfy(isSpacelessScriptLetter)
        {
            return true
        }
        guard (3...100).contains(trimmed.count), words.count >= 2 else { return false }
        for word in words {
            guard let first = word.first, first.isLetter else { return false }
            for character in word
            where !(character.isLetter || apostrophes.contains(character) || character == "-" || character == ".") {
                return false
            }
            // Keyboard mashing: a long word without vowels (any script without Latin vowels passes).
            let latin = word.lowercased().filter { $0.isASCII && $0.isLetter }
            if latin.count >= 5 && latin.count == word.count && !latin.contains(where: { "aeiouy".contains($0) }) {
                return false
            }
            // "Xxx Yyy": one letter repeated through a word of three or more.
            let letters = word.lowercased().filter(\.isLetter)
            if letters.count >= 3, let letter = letters.first, letters.allSatisfy({ $0 == letter }) { return false }
        }
        return true
    }

    /// Han, kana and Hangul: scripts whose names are commonly written as one unbroken word.
    static func isSpacelessScriptLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF: true
        case 0x30FB, 0x00B7: true  // Middle dots between given and family names in kana and Chinese.
        default: false
        }
    }

    /// Each word of the name as lowercased ASCII letters (diacritics folded: "Müller" gives "muller" and
    /// "mueller"), for comparing with an e-mail's local part. Words shorter than two letters are dropped.
    /// Titles and suffixes ("Dr.", "Jr.") are dropped: they are not in people's addresses or initials.
    static func tokens(_ name: String) -> [[String]] {
        name.prefix(200).split(whereSeparator: { !$0.isLetter })
            .map { NameFolding.variants(of: $0).filter { $0.count >= 2 } }
            .filter { !$0.isEmpty && !honorifics.contains($0[0]) }
    }

    static let honorifics: Set<String> = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "jr", "sr", "ii", "iii", "iv", "phd", "md",
    ]
}

/// E-mail contact checks.
public enum ContactAddress {
    /// Well-known throwaway mailbox domains.
    public static let disposableDomains: Set<String> = [
        "mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com", "temp-mail.org", "yopmail.com",
        "trashmail.com", "throwawaymail.com", "getnada.com", "sharklasers.com", "dispostable.com", "maildrop.cc",
        "fakeinbox.com", "mintemail.com", "mohmal.com", "emailondeck.com", "spamgourmet.com", "burnermail.io",
        "guerrillamail.net", "guerrillamailblock.com", "grr.la", "10minutemail.net", "temp-mail.io", "tempail.com",
        "trashmail.de", "mailnesia.com", "discard.email", "spam4.me", "mytemp.email", "tempr.email",
        "mailinator.net", "yopmail.fr", "emailfake.com", "moakt.com",
    ]

    /// The domain of an e-mail address, lowercased (nil when `contact` is not an address).
    public static func domain(of contact: String) -> String? {
        // No address is longer than 254 bytes (RFC 5321); skip the work on hostile megabyte contacts.
        guard contact.utf8.count <= 320 else { return nil }
        if let ascii = asciiDomain(of: contact) { return ascii }
        return domainOfCharacters(contact)
    }

    /// `domain(of:)` for an ASCII contact of at most 320 bytes, over its bytes: `.some(nil)` when it is not an
    /// address; nil when `contact` is not all ASCII.
    static func asciiDomain(of contact: String) -> String?? {
        guard let trimmed = contact.trimmingASCIIWhitespace else { return nil }
        let bytes = Array(trimmed.utf8)
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0,
            !bytes[(at + 1)...].contains(UInt8(ascii: "@"))
        else { return .some(nil) }
        let domain = bytes[(at + 1)...]
        guard domain.contains(UInt8(ascii: ".")), domain.last != UInt8(ascii: ".") else { return .some(nil) }
        return String(decoding: domain.map(ASCII.lowercased), as: UTF8.self)
    }

    /// `domain(of:)` for any contact, a `Character` at a time.
    static func domainOfCharacters(_ contact: String) -> String? {
        let parts = contact.trimmingWhitespace.lowercased().split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasSuffix(".") else { return nil }
        return String(parts[1])
    }

    /// True when the address's domain is a throwaway one or a subdomain of one.
    public static func isDisposable(_ contact: String) -> Bool {
        guard let domain = domain(of: contact) else { return false }
        if disposableDomains.contains(domain) { return true }
        // A subdomain's suffix after one of its dots is the listed domain: a lookup per dot, not a comparison
        // per listed domain (which cost the fraud service more than the rest of its contact checks).
        let bytes = domain.utf8
        for index in bytes.indices where bytes[index] == UInt8(ascii: ".") {
            if disposableDomains.contains(String(Substring(bytes[bytes.index(after: index)...]))) { return true }
        }
        return false
    }

    /// `isDisposable` as first written: every listed domain compared as a suffix (the rule the lookup keeps).
    static func isDisposableBySuffixes(_ contact: String) -> Bool {
        guard let domain = domain(of: contact) else { return false }
        return disposableDomains.contains(domain)
            || disposableDomains.contains(where: { domain.hasSuffix("." + $0) })
    }

    /// True when the address's local part mentions one of the name's words, or starts with the initials
    /// ("jd", "jdoe" or "jdo…" for John Doe), or there is nothing to compare: no e-mail, or a name without
    /// Latin letters. Diacritics are folded ("jurgen" or "juergen" for Jürgen).
    public static func matchesName(_ contact: String, name: String) -> Bool {
        guard domain(of: contact) != nil else { return true }
        return matchesNameASCII(contact, name: name) ?? matchesNameCharacters(contact, name: name)
    }

    /// `matchesName` for a contact that is an address, a `Character` at a time.
    static func matchesNameCharacters(_ contact: String, name: String) -> Bool {
        let tokens = PersonName.tokens(name)
        guard !tokens.isEmpty else { return true }
        // Bounded first: only the start of a hostile megabyte "address" is worth reading.
        let start = String(contact.prefix(200)).trimmingWhitespace
        let local = NameFolding.fold(String(start.prefix(while: { $0 != "@" })))
        if tokens.contains(where: { variants in variants.contains { local.contains($0) } }) { return true }
        guard tokens.count >= 2, let last = tokens.last else { return false }
        let initials = tokens.compactMap { $0.first?.first }
        let firstInitial = String(initials[0])
        return local.hasPrefix(String(initials)) || last.contains { local.hasPrefix(firstInitial + $0.prefix(3)) }
    }
}

/// Country names and codes, normalised for comparison.
public enum Country {
    static let aliases: [String: String] = [
        "usa": "US", "us": "US", "united states": "US", "united states of america": "US", "u.s.a.": "US",
        "uk": "GB", "gb": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB",
        "estonia": "EE", "ee": "EE", "eesti": "EE", "germany": "DE", "de": "DE", "deutschland": "DE",
        "france": "FR", "fr": "FR", "finland": "FI", "fi": "FI", "suomi": "FI", "sweden": "SE", "se": "SE",
        "latvia": "LV", "lv": "LV", "lithuania": "LT", "lt": "LT", "canada": "CA", "ca": "CA", "spain": "ES",
        "es": "ES", "italy": "IT", "it": "IT", "netherlands": "NL", "nl": "NL", "poland": "PL", "pl": "PL",
        "norway": "NO", "no": "NO", "denmark": "DK", "dk": "DK", "japan": "JP", "jp": "JP", "china": "CN",
        "cn": "CN", "india": "IN", "in": "IN", "brazil": "BR", "br": "BR", "australia": "AU", "au": "AU",
        "nigeria": "NG", "ng": "NG", "russia": "RU", "ru": "RU", "ukraine": "UA", "ua": "UA", "portugal": "PT",
        "pt": "PT", "ireland": "IE", "ie": "IE", "austria": "AT", "at": "AT", "switzerland": "CH", "ch": "CH",
        "belgium": "BE", "be": "BE", "mexico": "MX", "mx": "MX",
        // Other spellings customers type (two-letter codes need no entry: they normalise to themselves).
        "u.s.": "US", "u.s": "US", "america": "US", "the united states": "US", "u.k.": "GB", "britain": "GB",
        "scotland": "GB", "wales": "GB", "northern ireland": "GB", "the netherlands": "NL", "holland": "NL",
        "españa": "ES", "espana": "ES", "italia": "IT", "polska": "PL", "sverige": "SE", "norge": "NO",
        "danmark": "DK", "österreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "brasil": "BR",
        "méxico": "MX", "república de méxico": "MX", "france métropolitaine": "FR", "latvija": "LV",
        "lietuva": "LT", "россия": "RU", "україна": "UA", "日本": "JP", "中国": "CN",
        "south korea": "KR", "korea": "KR", "republic of korea": "KR", "new zealand": "NZ",
        "south africa": "ZA", "turkey": "TR",
        "türkiye": "TR", "greece": "GR", "czech republic": "CZ", "czechia": "CZ", "hungary": "HU",
        "romania": "RO", "israel": "IL", "singapore": "SG", "vietnam": "VN", "viet nam": "VN",
        "philippines": "PH", "indonesia": "ID", "egypt": "EG", "kenya": "KE", "argentina": "AR", "chile": "CL",
        "colombia": "CO", "peru": "PE", "united arab emirates": "AE", "uae": "AE", "saudi arabia": "SA",
        "hong kong": "HK", "taiwan": "TW", "thailand": "TH", "malaysia": "MY", "pakistan": "PK",
        "bangladesh": "BD", "iceland": "IS", "luxembourg": "LU", "slovakia": "SK", "slovenia": "SI",
        "croatia": "HR", "serbia": "RS", "bulgaria": "BG", "belarus": "BY", "morocco": "MA",
        "ghana": "GH",
    ]

    /// An ISO 3166 alpha-2 code when the name is known, otherwise the trimmed uppercased text (runs of
    /// whitespace inside collapsed to one space; texts over 200 bytes are returned as they are).
    public static func normalized(_ country: String) -> String {
        // Country names are short: a longer text cannot match an alias, so skip the work on hostile input
        // (compared as typed).
        guard country.utf8.count <= 200 else { return country }
        let key = country.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return aliases[key] ?? key.uppercased()
    }
}

/// Card networks by number prefix (IIN ranges).
public enum CardNetwork: String, Sendable, CaseIterable {
    case visa, mastercard, amex, discover, jcb, dinersClub, unionPay, maestro

    /// The network of a card number (spaces and dashes ignored), or nil for an unknown prefix.
    public static func identify(_ number: String) -> CardNetwork? {
        CardNumber.digits(of: number).flatMap(identify(digits:))
    }

    /// The network of a card number's digits (spaces and dashes already removed), by its prefix.
    static func identify(digits: [Int]) -> CardNetwork? {
        guard !digits.isEmpty else { return nil }
        // The value of the first `count` digits (of all of them when there are fewer).
        func prefix(_ count: Int) -> Int { digits.prefix(count).reduce(0) { $0 &* 10 &+ $1 } }
        func starts(_ value: Int, digits count: Int) -> Bool { digits.count >= count && prefix(count) == value }
        switch true {
        case starts(4, digits: 1): return .visa
        case (51...55).contains(prefix(2)), (2221...2720).contains(prefix(4)): return .mastercard
        case starts(34, digits: 2), starts(37, digits: 2): return .amex
        case starts(6011, digits: 4), starts(65, digits: 2), (644...649).contains(prefix(3)): return .discover
        case (3528...3589).contains(prefix(4)): return .jcb
        case (300...305).contains(prefix(3)), starts(36, digits: 2), starts(38, digits: 2): return .dinersClub
        case starts(62, digits: 2): return .unionPay
        case starts(50, digits: 2), (56...58).contains(prefix(2)), starts(6, digits: 1): return .maestro
        default: return nil
        }
    }
}
