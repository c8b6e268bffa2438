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
    /// Per position, the first position of a book with the same id (itself unless ids repeat): `position(of:)`
    /// of the book there, without hashing its id.
    let firstPositionOfID: [Int]
    /// Normalized title forms, parallel to `books`.
    let keys: [TitleKey]
    /// Each book's related books, ranked (the suggestion engine's lookup table).
    let related: RelatedBooksIndex
    /// The first position of each normalized title, of each title without spaces, and every position of each main
    /// title (before a subtitle): `match`'s exact rule as lookups.
    let firstByFull: [String: Int]
    let firstByCompact: [String: Int]
    let positionsByMain: [String: [Int]]

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
        firstPositionOfID = books.enumerated().map { position, book in index[book.id] ?? position }
        keys = books.map { TitleKey(title: $0.title) }
        related = RelatedBooksIndex(books: books)
        var full: [String: Int] = [:]
        var compact: [String: Int] = [:]
        var main: [String: [Int]] = [:]
        for (position, key) in keys.enumerated() {
            if full[key.full] == nil { full[key.full] = position }
            if compact[key.compact] == nil { compact[key.compact] = position }
            main[key.main, default: []].append(position)
        }
        (firstByFull, firstByCompact, positionsByMain) = (full, compact, main)
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
    /// True when `full` is plain ASCII (then byte comparisons are character comparisons).
    let fullIsASCII: Bool

    init(title: String) {
        full = TitleNormalizer.normalize(title)
        compact = TitleNormalizer.compact(full)
        let beforeColon = title.split(separator: ":", maxSplits: 1).first.map(String.init) ?? title
        main = TitleNormalizer.normalize(beforeColon)
        tokens = TitleNormalizer.significantTokens(of: full)
        fullBytes = Array(full.utf8)
        mainBytes = Array(main.utf8)
        fullIsASCII = fullBytes.allSatisfy { $0 < 0x80 }
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
