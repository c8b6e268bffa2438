#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The books the store sells, with lookup by id and by what a customer typed (see `match(_:)`).
public struct BookCatalog: Sendable {
    /// The books, in catalog (id) order.
    public let books: [Book]
    private let indexById: [String: Int]
    /// Normalized title forms, parallel to `books`.
    let keys: [TitleKey]
    /// Each book's related books, ranked (the suggestion engine's lookup table).
    let related: RelatedBooksIndex

    /// The shipped catalog (`CatalogData`), decoded once on first use.
    public static let standard: BookCatalog = {
        do {
            return BookCatalog(books: try JSONDecoder().decode([Book].self, from: Data(CatalogData.json.utf8)))
        } catch {
            // The data is a compile-time constant validated by the tests: failing here is a build defect.
            fatalError("The shipped catalog does not decode: \(error)")
        }
    }()

    /// A catalog of `books`. With duplicate ids, `book(id:)` returns the first.
    public init(books: [Book]) {
        self.books = books
        var index: [String: Int] = [:]
        for (position, book) in books.enumerated() where index[book.id] == nil {
            index[book.id] = position
        }
        indexById = index
        keys = books.map { TitleKey(title: $0.title) }
        related = RelatedBooksIndex(books: books)
    }

    /// The book with identifier `id`, if any.
    public func book(id: String) -> Book? {
        indexById[id].map { books[$0] }
    }

    /// The position of a book in `books`, by id.
    func position(of id: String) -> Int? { indexById[id] }
}

/// A title's normalized forms, computed once per catalog book.
struct TitleKey: Sendable {
    /// The whole title, normalized.
    let full: String
    /// `full` without spaces, so "Catch22" meets "Catch-22".
    let compact: String
    /// The title before any subtitle (":"), normalized: "Sapiens: A Brief History..." → "sapiens".
    let main: String
    let tokens: Set<Substring>
    /// UTF-8 of `full` and `main`, for the edit distance.
    let fullBytes: [UInt8]
    let mainBytes: [UInt8]

    init(title: String) {
        full = TitleNormalizer.normalize(title)
        compact = full.replacing(" ", with: "")
        let beforeColon = title.split(separator: ":", maxSplits: 1).first.map(String.init) ?? title
        main = TitleNormalizer.normalize(beforeColon)
        tokens = TitleNormalizer.significantTokens(of: full)
        fullBytes = Array(full.utf8)
        mainBytes = Array(main.utf8)
    }
}

/// What the suggestion engine compares, computed once per catalog book.
struct BookProfile: Sendable {
    let authors: Set<String>
    let genres: Set<String>
    let year: Int

    init(_ book: Book) {
        authors = Set(book.authors)
        genres = Set(book.genres)
        year = book.year
    }
}
