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
