import SeededRandom
import Testing

@testable import Catalog

@Suite struct TitleMatchTests {
    let catalog = BookCatalog.standard

    private func matchedTitle(_ typed: String) -> String? {
        catalog.match(typed)?.title
    }

    @Test func normalizerFoldsCaseDiacriticsPunctuationAndLeadingArticle() {
        #expect(TitleNormalizer.normalize("The Hobbit") == "hobbit")
        #expect(TitleNormalizer.normalize("  GÖDEL, Escher,  Bach!") == "godel escher bach")
        #expect(TitleNormalizer.normalize("Ender’s Game") == "enders game")
        #expect(TitleNormalizer.normalize("Jonathan Strange & Mr Norrell") == "jonathan strange and mr norrell")
        #expect(TitleNormalizer.normalize("Stanisław Ærø Œuvre Straße") == "stanislaw aero oeuvre strasse")
        // Decomposed input (e + combining acute) folds like precomposed input.
        #expect(TitleNormalizer.normalize("Les Mise\u{301}rables") == "les miserables")
        #expect(TitleNormalizer.normalize("A") == "a")
    }

    @Test func exactMatchIgnoresCase() {
        #expect(matchedTitle("designing data-intensive applications") == "Designing Data-Intensive Applications")
        #expect(matchedTitle("DUNE") == "Dune")
    }

    @Test func exactMatchIgnoresLeadingArticle() {
        #expect(matchedTitle("Hobbit") == "The Hobbit")
        #expect(matchedTitle("the pragmatic programmer") == "The Pragmatic Programmer")
        #expect(matchedTitle("Game of Thrones") == "A Game of Thrones")
    }

    @Test func exactMatchIgnoresPunctuationAndDiacritics() {
        let geb = "Gödel, Escher, Bach: An Eternal Golden Braid"
        #expect(matchedTitle("Godel Escher Bach: an eternal golden braid") == geb)
        #expect(matchedTitle("Enders Game") == "Ender's Game")
        #expect(matchedTitle("catch 22") == "Catch-22")
        #expect(matchedTitle("Catch22") == "Catch-22")
        #expect(matchedTitle("les miserables") == "Les Misérables")
        #expect(matchedTitle("Shogun") == "Shōgun")
    }

    @Test func mainTitleBeforeSubtitleMatches() {
        #expect(matchedTitle("Sapiens") == "Sapiens: A Brief History of Humankind")
        #expect(matchedTitle("Distributed Systems") == "Distributed Systems: Principles and Paradigms")
    }

    @Test func uniquePrefixMatches() {
        #expect(matchedTitle("Structure and Interpretation") == "Structure and Interpretation of Computer Programs")
        #expect(matchedTitle("Designing Data") == "Designing Data-Intensive Applications")
        #expect(matchedTitle("The Great Gatsb") == "The Great Gatsby")
    }

    @Test func shortPrefixesDoNotMatch() {
        #expect(catalog.match("Book") == nil, "would otherwise be a prefix of The Book Thief")
        #expect(catalog.match("Neuro") == nil)
    }

    @Test func ambiguousPrefixDoesNotMatch() {
        #expect(catalog.match("Harry Potter") == nil)
        #expect(catalog.match("Harry Potter and the") == nil)
    }

    @Test func typosWithinTwoEditsMatch() {
        #expect(matchedTitle("The Hobit") == nil, "5 characters are too few for typo matching")
        #expect(matchedTitle("Neuromancr") == "Neuromancer")
        #expect(matchedTitle("Pride and Predjudice") == "Pride and Prejudice")
        #expect(matchedTitle("war and piece") == "War and Peace")
        #expect(matchedTitle("Desinging Data Intensive Aplications") == "Designing Data-Intensive Applications")
    }

    @Test func typosBeyondTheLimitDoNotMatch() {
        #expect(catalog.match("Nxxromaxxer") == nil)
    }

    @Test func reorderedWordsMatchByOverlap() {
        #expect(matchedTitle("Pragmatic Programmer, The") == "The Pragmatic Programmer")
        #expect(matchedTitle("Eighty-Four Nineteen") == "Nineteen Eighty-Four")
    }

    @Test func gibberishAndPlaceholdersDoNotMatch() {
        for typed in ["Book A", "Book B", "", "   ", "A", "The", "qwertyuiop asdfgh", "!!!", "zz"] {
            #expect(catalog.match(typed) == nil, "\(typed)")
        }
    }

    @Test func hugeInputIsCutAndDoesNotMatch() {
        #expect(catalog.match(String(repeating: "lorem ipsum ", count: 10_000)) == nil)
    }

    @Test func customCatalogMatchesItsOwnBooks() {
        let small = BookCatalog(books: [
            Book(id: "x1", title: "Alpha Centauri", author: "A", year: 2000, genres: ["science"]),
            Book(id: "x2", title: "Alpha Beta", author: "B", year: 2001, genres: ["science"]),
        ])
        #expect(small.match("alpha centauri")?.id == "x1")
        #expect(small.match("Alpha") == nil)
        #expect(small.match("Alpha B")?.id == "x2")
    }
}

/// The fast paths (ASCII normalization byte by byte, exact titles by table lookup, the prefix rule stopping at a
/// second title) give what the general rules give.
@Suite struct TitleMatchFastPathTests {
    let catalog = BookCatalog.standard

    /// Catalog titles, their case variants, and seeded random ASCII text with the characters the rules treat
    /// specially (articles, "&", apostrophes, punctuation, runs of spaces, tabs).
    private var samples: [String] {
        var generator = SplitMix64(seed: 15)
        let pieces = [
            "the", "The", "A", "an", "AN", "&", "'", "`", " ", "  ", "\t", "-", ":", ",", "!", "R&D", "Ender's", "22",
            "Book", "dune", "Catch", "HOBBIT", "x", "z9", ".", "(", ")", "\"", "/", "\\", "_", "~", "\u{7F}", "\u{01}",
        ]
        let random = (0..<3_000).map { _ in
            (0..<Int(generator.next() % 7 + 1)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
                .joined()
        }
        let titles = catalog.books.map(\.title)
        return titles + titles.map { $0.uppercased() } + titles.map { $0.lowercased() } + random + ["", " ", "&&"]
    }

    @Test func asciiNormalizationEqualsTheScalarPath() {
        for text in samples where text.utf8.allSatisfy({ $0 < 0x80 }) {
            #expect(TitleNormalizer.normalizeASCII(text) == TitleNormalizer.normalizeScalars(text), "\(text)")
        }
        #expect(TitleNormalizer.normalizeASCII("Gödel") == nil)
    }

    @Test func exactAndPrefixRulesEqualTheirLinearScans() {
        let titles = catalog.books.map(\.title)
        let prefixes = titles.flatMap { title in (6...max(6, title.count)).map { String(title.prefix($0)) } }
        for typed in samples + prefixes + ["Gödel, Escher, Bach", "Les Misérables", "Straße"] {
            let query = TitleNormalizer.normalize(typed)
            let compact = query.replacing(" ", with: "")
            let exact =
                catalog.keys.firstIndex { $0.full == query || $0.compact == compact }
                ?? Self.unique(catalog.keys.indices.filter { catalog.keys[$0].main == query })
            #expect(catalog.exactMatch(query) == exact, "\(typed)")
            let prefix =
                query.count >= 6
                ? Self.unique(catalog.keys.indices.filter { catalog.keys[$0].full.hasPrefix(query) }) : nil
            #expect(catalog.prefixMatch(query) == prefix, "\(typed)")
        }
    }

    private static func unique(_ positions: [Int]) -> Int? { positions.count == 1 ? positions[0] : nil }
}
