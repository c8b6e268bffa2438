import Checkout

/// Recommends catalog books related to what a customer ordered.
///
/// The rule: the ordered titles are matched to the catalog (`BookCatalog.match`); every other book gets the
/// affinity score of its best-related ordered book (`affinity(of:to:)`: a shared author outweighs everything
/// else, then genre overlap, then closeness of publication years). Only books that share an author or a genre
/// with an ordered book count as related; they rank by score (high first), then by the smallest year distance
/// to an ordered book, then by id. When fewer related books than requested exist (or no title matched, as for
/// the course page's "Book A"), the list is filled from `staffPicks`, then from the catalog in id order. Ordered
/// books are never suggested. The same titles, in any order, always give the same list.
public struct SuggestionEngine: Sendable {
    /// The most suggestions one call returns; `count` is clamped to `0...maximumCount`.
    public static let maximumCount = 20

    /// Points for sharing an author: more than genre and era can ever add, so same-author books rank first.
    public static let authorPoints = 1000
    /// Points for identical genre sets, scaled by the Jaccard overlap of the two sets.
    public static let genrePoints = 600
    /// Points per year of closeness inside the era window.
    public static let eraPointsPerYear = 10
    /// Books published this many years apart or more get no era points.
    public static let eraWindowYears = 15

    /// The shipped fallback: a fixed mix of computer science, fiction classics and popular nonfiction.
    public static let standardStaffPicks = [
        "b001", "b076", "b173", "b107", "b346", "b002", "b153", "b224", "b267", "b118",
        "b384", "b415", "b003", "b214", "b249", "b084", "b005", "b205", "b445", "b109",
    ]

    public let catalog: BookCatalog
    /// Book ids offered when nothing related is found, in this order; ids not in the catalog are skipped.
    public let staffPicks: [String]
    /// The catalog positions of `staffPicks` that exist, in order.
    private let staffPickPositions: [Int]

    public init(catalog: BookCatalog = .standard, staffPicks: [String] = SuggestionEngine.standardStaffPicks) {
        self.catalog = catalog
        self.staffPicks = staffPicks
        staffPickPositions = staffPicks.compactMap(catalog.position(of:))
    }

    /// Up to `count` (clamped to `0...maximumCount`) books for a customer who ordered `orderedTitles`, as
    /// typed. Never empty when `count > 0` and the catalog has a book that was not ordered.
    public func suggest(for orderedTitles: [String], count: Int = 3) -> [SuggestedBook] {
        let limit = min(max(count, 0), Self.maximumCount)
        guard limit > 0 else { return [] }
        let ordered = orderedPositions(orderedTitles)
        // Books are told apart by id: each is held at the first position of its id (`firstPositionOfID`), and
        // the few taken positions are searched in a small array rather than hashed.
        let first = catalog.firstPositionOfID
        var chosen = catalog.related.related(to: ordered, limit: limit, books: catalog.books).map { first[$0] }
        var taken = ordered + chosen
        // Staff picks, then the catalog in order, until the list is full (no array of all the books is made).
        func fill(_ position: Int) {
            guard !taken.contains(position) else { return }
            chosen.append(position)
            taken.append(position)
        }
        for position in staffPickPositions where chosen.count < limit { fill(position) }
        for position in first.indices where chosen.count < limit { fill(first[position]) }
        return chosen.map { catalog.books[$0].suggested }
    }

    /// The distinct catalog books matched by `titles`, in catalog order.
    public func orderedBooks(_ titles: [String]) -> [Book] {
        orderedPositions(titles).map { catalog.books[$0] }
    }

    /// The distinct catalog positions matched by `titles`, sorted.
    func orderedPositions(_ titles: [String]) -> [Int] {
        // Orders hold a few titles: sorting them and dropping repeats beats hashing them into a set.
        var positions = titles.compactMap { catalog.matchPosition($0).map { catalog.firstPositionOfID[$0] } }.sorted()
        positions.removeDuplicatesOfSorted()
        return positions
    }

    /// How strongly `candidate` relates to `ordered`: `authorPoints` when they share an author, plus
    /// `genrePoints` × Jaccard(genres) (rounded down), plus `eraPointsPerYear` × the years left in the era
    /// window. Zero when they share neither an author nor a genre (an era alone does not make books related).
    public static func affinity(of candidate: Book, to ordered: Book) -> Int {
        affinity(of: BookProfile(candidate), to: BookProfile(ordered))
    }

    static func affinity(of candidate: BookProfile, to ordered: BookProfile) -> Int {
        let sharesAuthor = !candidate.authors.isDisjoint(with: ordered.authors)
        let sharedGenres = candidate.genres.intersection(ordered.genres).count
        guard sharesAuthor || sharedGenres > 0 else { return 0 }
        let allGenres = candidate.genres.count + ordered.genres.count - sharedGenres
        let genre = allGenres == 0 ? 0 : genrePoints * sharedGenres / allGenres
        let era = eraPointsPerYear * max(0, eraWindowYears - abs(candidate.year - ordered.year))
        return (sharesAuthor ? authorPoints : 0) + genre + era
    }
}

extension Array where Element: Equatable {
    /// Removes repeats from a sorted array, keeping each value once.
    fileprivate mutating func removeDuplicatesOfSorted() {
        guard count > 1 else { return }
        var kept = 1
        for index in 1..<count where self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
