import Checkout

/// The pieces of synthetic orders: people, e-mail addresses, items, addresses and card numbers.
extension SyntheticOrders {
    struct PersonParts {
        var display: String
        var given: String
        var romanGiven: String
        var romanFamily: String
    }

    static func person<G: RandomNumberGenerator>(
        from culture: SyntheticVocabulary.Culture, using generator: inout G
    ) -> PersonParts {
        let given = generator.pick(culture.givenNames).split(separator: "|").map(String.init)
        let family = generator.pick(culture.familyNames).split(separator: "|").map(String.init)
        return PersonParts(
            display: given[0] + " " + family[0], given: given[0], romanGiven: fold(given.last ?? given[0]),
            romanFamily: fold(family.last ?? family[0]))
    }

    /// An e-mail local part built from the person's name the way people build them.
    static func localPart<G: RandomNumberGenerator>(_ person: PersonParts, using generator: inout G) -> String {
        let first = person.romanGiven
        let last = person.romanFamily
        switch weightedIndex([30, 15, 15, 10, 10, 20], using: &generator) {
        case 0: return first + "." + last
        case 1: return first + last
        case 2: return String(first.prefix(1)) + last
        case 3: return first + "_" + last + String(Int.random(in: 10...99, using: &generator))
        case 4: return last + "." + first
        default: return first + String(Int.random(in: 1960...2005, using: &generator))
        }
    }

    /// A mailbox name that does not mention the owner's name.
    static func handle<G: RandomNumberGenerator>(using generator: inout G) -> String {
        generator.pick(SyntheticVocabulary.handles) + String(Int.random(in: 1...99, using: &generator))
    }

    /// A name a fraudster types: keyboard mashing, one word, digits, a placeholder, or random-but-pronounceable
    /// (which `PersonName.isPlausible` accepts: overlap on purpose).
    static func implausibleName<G: RandomNumberGenerator>(using generator: inout G) -> String {
        func word(_ length: Int, vowels: Bool) -> String {
            String(
                (0..<length).map { index in
                    vowels && index % 2 == 1
                        ? generator.pick(SyntheticVocabulary.vowels) : generator.pick(SyntheticVocabulary.consonants)
                })
        }
        func capitalized(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }
        switch weightedIndex([35, 20, 15, 15, 15], using: &generator) {
        case 0:
            return word(Int.random(in: 3...5, using: &generator), vowels: false) + " "
                + word(Int.random(in: 5...8, using: &generator), vowels: false)
        case 1: return capitalized(word(Int.random(in: 4...9, using: &generator), vowels: true))
        case 2:
            let culture = generator.pick(SyntheticVocabulary.cultures)
            let person = person(from: culture, using: &generator)
            return person.display + String(Int.random(in: 1...999, using: &generator))
        case 3: return generator.pick(SyntheticVocabulary.placeholderNames)
        default:
            return capitalized(word(Int.random(in: 4...6, using: &generator), vowels: true)) + " "
                + capitalized(word(Int.random(in: 5...7, using: &generator), vowels: true))
        }
    }

    static func randomString<G: RandomNumberGenerator>(_ length: Int, using generator: inout G) -> String {
        String((0..<length).map { _ in generator.pick(SyntheticVocabulary.alphanumerics) })
    }

    /// Lowercase ASCII for e-mail addresses: common diacritics stripped, other characters dropped.
    static func fold(_ text: String) -> String {
        let map: [Character: String] = [
            "á": "a", "à": "a", "â": "a", "ä": "a", "ã": "a", "å": "a", "é": "e", "è": "e", "ê": "e",
            "ë": "e", "í": "i", "ì": "i", "î": "i", "ï": "i", "ó": "o", "ò": "o", "ô": "o", "ö": "o",
            "õ": "o", "ø": "o",
            "ú": "u", "ù": "u", "û": "u", "ü": "u", "ñ": "n", "ç": "c", "š": "s", "ž": "z", "ß": "ss",
        ]
        return text.lowercased().map { character in
            if let folded = map[character] { return folded }
            return character.isASCII && (character.isLetter || character.isNumber) ? String(character) : ""
        }.joined()
    }

    /// An index drawn with probability proportional to `weights`.
    static func weightedIndex<G: RandomNumberGenerator>(_ weights: [Int], using generator: inout G) -> Int {
        var draw = Int.random(in: 0..<weights.reduce(0, +), using: &generator)
        for (index, weight) in weights.enumerated() {
            if draw < weight { return index }
            draw -= weight
        }
        return weights.count - 1
    }

    /// `count` distinct titles.
    static func titles<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [String] {
        Array(SyntheticVocabulary.titles.shuffled(using: &generator).prefix(count))
    }

    static func address<G: RandomNumberGenerator>(
        _ country: String, culture: SyntheticVocabulary.Culture, using generator: inout G
    ) -> CheckoutRequest.Address {
        CheckoutRequest.Address(
            street: "\(Int.random(in: 1...250, using: &generator)) \(generator.pick(SyntheticVocabulary.streets))",
            city: generator.pick(culture.cities), state: nil,
            zip: String(Int.random(in: 10000...99999, using: &generator)), country: country)
    }

    /// A Luhn-valid number of a major network (Visa, Mastercard, Amex, Discover, JCB).
    static func mainstreamCard<G: RandomNumberGenerator>(using generator: inout G) -> String {
        switch weightedIndex([50, 30, 12, 5, 3], using: &generator) {
        case 0: return luhnNumber(prefix: "4", length: 16, using: &generator)
        case 1:
            let range = generator.chance(0.8) ? 51...55 : 2221...2720
            let prefix = String(Int.random(in: range, using: &generator))
            return luhnNumber(prefix: prefix, length: 16, using: &generator)
        case 2: return luhnNumber(prefix: generator.pick(["34", "37"]), length: 15, using: &generator)
        case 3: return luhnNumber(prefix: "6011", length: 16, using: &generator)
        default: return luhnNumber(prefix: "3530", length: 16, using: &generator)
        }
    }

    /// A Luhn-valid number whose prefix belongs to no major network (test ranges, unassigned).
    static func oddCard<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let prefix = generator.pick(["1", "7", "8", "9", "0", "31", "33", "39", "2000"])
        return luhnNumber(prefix: prefix, length: 16, using: &generator)
    }

    /// `prefix`, random digits, and the Luhn check digit: `length` digits in all.
    static func luhnNumber<G: RandomNumberGenerator>(prefix: String, length: Int, using generator: inout G) -> String {
        var digits = prefix.compactMap { $0.wholeNumberValue }
        while digits.count < length - 1 { digits.append(Int.random(in: 0...9, using: &generator)) }
        // Double every second digit counting from the right, starting with the one left of the check digit.
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            let value = offset % 2 == 0 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        digits.append((10 - sum % 10) % 10)
        return digits.map(String.init).joined()
    }
}
