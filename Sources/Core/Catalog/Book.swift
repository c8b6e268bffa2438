import Checkout

/// A book the store sells: one entry of the catalog.
///
/// `author` is the credit as printed ("A, B and C" for several people); `genres` holds one to three raw values
/// of `Genre`; `year` is the year of first publication.
public struct Book: Codable, Sendable, Hashable {
    /// Stable identifier ("b001"...), shown to clients as `bookId`.
    public var id: String
    public var title: String
    public var author: String
    public var year: Int
    /// Raw values of `Genre`.
    public var genres: [String]

    public init(id: String, title: String, author: String, year: Int, genres: [String]) {
        self.id = id
        self.title = title
        self.author = author
        self.year = year
        self.genres = genres
    }

    /// The individual people credited in `author`: "A, B and C" gives ["A", "B", "C"].
    public var authors: [String] {
        author.split(separator: ",")
            .flatMap { $0.split(separator: " and ", omittingEmptySubsequences: true) }
            .map { String($0).trimmingWhitespace }
            .filter { !$0.isEmpty }
    }

    /// The book as the checkout contract shows it.
    public var suggested: SuggestedBook {
        SuggestedBook(bookId: id, title: title, author: author)
    }
}

/// The fixed genre vocabulary of the catalog. `Book.genres` stores the raw values.
public enum Genre: String, CaseIterable, Codable, Sendable {
    case fantasy
    case scienceFiction = "science-fiction"
    case mystery
    case thriller
    case romance
    case classic
    case historical
    case literary
    case horror
    case youngAdult = "young-adult"
    case children
    case biography
    case memoir
    case history
    case science
    case philosophy
    case psychology
    case business
    case economics
    case selfHelp = "self-help"
    case poetry
    case drama
    case adventure
    case dystopian
    case humor
    case mathematics
    case programming
    case computerScience = "computer-science"
}
