import Checkout
import SeededRandom
import Testing

@testable import Catalog

@Suite struct SuggestionEngineTests {
    let engine = SuggestionEngine()
    let catalog = BookCatalog.standard

    private func books(_ suggestions: [SuggestedBook]) throws -> [Book] {
        try suggestions.map { try #require(catalog.book(id: $0.bookId)) }
    }

    @Test func suggestionsNeverIncludeOrderedBooks() {
        let ordered = ["The Hobbit", "The Fellowship of the Ring", "Dune"]
        let ids = Set(engine.suggest(for: ordered, count: 20).map(\.bookId))
        #expect(ids.count == 20)
        #expect(ids.isDisjoint(with: ["b076", "b077", "b107"]))
    }

    @Test func orderedBooksAreExcludedWhateverTheCasing() {
        let suggestions = engine.suggest(for: ["the two towers", "THE RETURN OF THE KING"], count: 20)
        let titles = suggestions.map(\.title)
        #expect(!titles.contains("The Two Towers"))
        #expect(!titles.contains("The Return of the King"))
    }

    @Test func sameAuthorRanksFirst() throws {
        let suggestions = try books(engine.suggest(for: ["The Hobbit"], count: 4))
        #expect(suggestions.count == 4)
        #expect(suggestions.allSatisfy { $0.author == "J. R. R. Tolkien" })
        #expect(!suggestions.contains { $0.title == "The Hobbit" })
    }

    @Test func sharedCoAuthorCountsAsSameAuthor() throws {
        // Good Omens is by Terry Pratchett and Neil Gaiman: both authors' other books come first.
        let suggestions = try books(engine.suggest(for: ["Good Omens"], count: 5))
        #expect(suggestions.allSatisfy { $0.author.contains("Pratchett") || $0.author.contains("Gaiman") })
    }

    @Test func programmingOrderYieldsComputingSuggestions() throws {
        let suggestions = try books(engine.suggest(for: ["Designing Data-Intensive Applications"], count: 10))
        #expect(suggestions.count == 10)
        for book in suggestions {
            #expect(book.genres.contains("programming") || book.genres.contains("computer-science"), "\(book.title)")
        }
    }

    @Test func genreAffinityWinsOverEraAlone() {
        let dune = Book(id: "o", title: "O", author: "X", year: 1965, genres: ["science-fiction"])
        let sameEraOtherGenre = Book(id: "a", title: "A", author: "Y", year: 1965, genres: ["poetry"])
        let sameGenreOtherEra = Book(id: "b", title: "B", author: "Z", year: 1900, genres: ["science-fiction"])
        #expect(SuggestionEngine.affinity(of: sameEraOtherGenre, to: dune) == 0)
        #expect(SuggestionEngine.affinity(of: sameGenreOtherEra, to: dune) == SuggestionEngine.genrePoints)
    }

    @Test func affinityScoreFollowsTheDocumentedFormula() {
        let ordered = Book(
            id: "o", title: "O", author: "Ann Author and Bob Writer", year: 2000,
            genres: ["fantasy", "humor"])
        let candidate = Book(id: "c", title: "C", author: "Bob Writer", year: 2005, genres: ["fantasy", "horror"])
        // Author 1000 + genre 600 × 1/3 = 200 + era 10 × (15 − 5) = 100.
        #expect(SuggestionEngine.affinity(of: candidate, to: ordered) == 1300)
    }

    @Test func rankingTiesBreakByYearDistanceThenId() {
        let catalog = BookCatalog(books: [
            Book(id: "o", title: "Ordered Book", author: "X", year: 2000, genres: ["drama"]),
            Book(id: "c3", title: "Far", author: "Y", year: 2030, genres: ["drama"]),
            Book(id: "c2", title: "Near Two", author: "Y", year: 2030 - 29, genres: ["drama"]),
            Book(id: "c1", title: "Near One", author: "Y", year: 1999, genres: ["drama"]),
            Book(id: "c0", title: "Far Earlier", author: "Y", year: 1970, genres: ["drama"]),
        ])
        let engine = SuggestionEngine(catalog: catalog, staffPicks: [])
        // c1 and c2 are both one year away (same score): id decides. c0 and c3 are outside the era window
        // (same score, 30 years each): id decides again.
        #expect(engine.suggest(for: ["Ordered Book"], count: 4).map(\.bookId) == ["c1", "c2", "c0", "c3"])
    }

    @Test func suggestionsAreDeterministicAndIgnoreInputOrder() {
        let titles = ["Dune", "The Hobbit", "Clean Code", "Pride and Prejudice", "Book A"]
        let first = engine.suggest(for: titles, count: 10)
        #expect(first == engine.suggest(for: titles, count: 10))
        var generator = SplitMix64(seed: 42)
        for _ in 0..<5 {
            #expect(engine.suggest(for: titles.shuffled(using: &generator), count: 10) == first)
        }
    }

    @Test(arguments: [0, 1, 3, 7, 20])
    func countIsRespected(count: Int) {
        #expect(engine.suggest(for: ["Dune"], count: count).count == count)
        #expect(engine.suggest(for: ["Book A"], count: count).count == count)
    }

    @Test func countIsClampedToZeroThroughTwenty() {
        #expect(engine.suggest(for: ["Dune"], count: -5).isEmpty)
        #expect(engine.suggest(for: ["Dune"], count: 500).count == SuggestionEngine.maximumCount)
        #expect(engine.suggest(for: ["Dune"]).count == 3)
    }

    @Test func unknownTitlesGetTheStaffPicks() {
        let suggestions = engine.suggest(for: ["Book A", "Book B"], count: 5)
        #expect(suggestions.map(\.bookId) == Array(SuggestionEngine.standardStaffPicks.prefix(5)))
        #expect(engine.suggest(for: [], count: 3).map(\.bookId) == Array(SuggestionEngine.standardStaffPicks.prefix(3)))
    }

    @Test func fallbackFillingSkipsOrderedBooks() {
        // Nothing in this catalog relates to the ordered book, so the staff picks fill in; the ordered book is
        // itself the first staff pick and must be skipped.
        let catalog = BookCatalog(books: [
            Book(id: "p1", title: "Poems of Night", author: "P", year: 1900, genres: ["poetry"]),
            Book(id: "h1", title: "Haunted Halls", author: "H", year: 2000, genres: ["horror"]),
            Book(id: "b1", title: "Business Basics", author: "B", year: 2010, genres: ["business"]),
            Book(id: "m1", title: "Murder at Midnight", author: "M", year: 1950, genres: ["mystery"]),
        ])
        let engine = SuggestionEngine(catalog: catalog, staffPicks: ["p1", "m1", "missing"])
        let ids = engine.suggest(for: ["poems of night"], count: 3).map(\.bookId)
        #expect(ids == ["m1", "h1", "b1"])
    }

    @Test func fallbackIsNonEmptyWhileAnyUnorderedBookExists() {
        let catalog = BookCatalog(books: [
            Book(id: "x", title: "Only Book", author: "A", year: 2000, genres: ["drama"])
        ])
        let engine = SuggestionEngine(catalog: catalog, staffPicks: [])
        #expect(engine.suggest(for: ["Book A"], count: 3).map(\.bookId) == ["x"])
        #expect(engine.suggest(for: ["Only Book"], count: 3).isEmpty)
    }

    @Test func suggestionsCarryTheContractFields() throws {
        let first = try #require(engine.suggest(for: ["Book A"], count: 1).first)
        #expect(
            first
                == SuggestedBook(
                    bookId: "b001", title: "Designing Data-Intensive Applications",
                    author: "Martin Kleppmann"))
    }
}
