/// Every catalog book's related books, ranked once when the catalog is built, so a suggestion is a lookup.
///
/// Affinity (`SuggestionEngine.affinity(of:to:)`) is symmetric, so one pass over the pairs fills both lists.
/// Authors and genres are interned to small integers: the pass compares tiny sorted arrays, not string sets.
/// For one ordered book the answer is a prefix of its list; for several, their lists are merged (best score
/// per candidate, the smallest year distance to any ordered book), which gives what ranking the whole catalog
/// against every ordered book gives (the tests compare both on every book and on random orders).
struct RelatedBooksIndex: Sendable {
    /// A related book (`position` in the catalog) and its affinity score.
    struct Neighbour: Sendable, Equatable {
        let position: Int
        let score: Int
    }

    /// Per book: related books, best first (score, then year distance, then id).
    let neighbours: [[Neighbour]]

    init(books: [Book]) {
        var authorIDs: [String: Int] = [:]
        var genreIDs: [String: Int] = [:]
        func intern(_ values: [String], _ table: inout [String: Int]) -> [Int] {
            Array(
                Set(
                    values.map { value in
                        if let id = table[value] { return id }
                        table[value] = table.count
                        return table.count - 1
                    })
            ).sorted()
        }
        let authors = books.map { intern($0.authors, &authorIDs) }
        let genres = books.map { intern($0.genres, &genreIDs) }
        var lists = Array(repeating: [Neighbour](), count: books.count)
        for first in books.indices {
            for second in books.indices where second > first {
                let score = Self.affinity(
                    authors: (authors[first], authors[second]), genres: (genres[first], genres[second]),
                    years: (books[first].year, books[second].year))
                guard score > 0 else { continue }
                lists[first].append(Neighbour(position: second, score: score))
                lists[second].append(Neighbour(position: first, score: score))
            }
        }
        neighbours = lists.indices.map { index in
            lists[index].sorted { Self.ranks($0, before: $1, year: books[index].year, books: books) }
        }
    }

    /// Candidate `lhs` ranks before `rhs` for a book published in `year`.
    private static func ranks(_ lhs: Neighbour, before rhs: Neighbour, year: Int, books: [Book]) -> Bool {
        if lhs.score != rhs.score { return lhs.score > rhs.score }
        let left = abs(books[lhs.position].year - year)
        let right = abs(books[rhs.position].year - year)
        if left != right { return left < right }
        return books[lhs.position].id < books[rhs.position].id
    }

    /// `SuggestionEngine.affinity(of:to:)` over interned, sorted author and genre ids.
    static func affinity(authors: ([Int], [Int]), genres: ([Int], [Int]), years: (Int, Int)) -> Int {
        let sharesAuthor = commonCount(authors.0, authors.1) > 0
        let sharedGenres = commonCount(genres.0, genres.1)
        guard sharesAuthor || sharedGenres > 0 else { return 0 }
        let allGenres = genres.0.count + genres.1.count - sharedGenres
        let genre = allGenres == 0 ? 0 : SuggestionEngine.genrePoints * sharedGenres / allGenres
        let window = SuggestionEngine.eraWindowYears
        let era = SuggestionEngine.eraPointsPerYear * max(0, window - abs(years.0 - years.1))
        return (sharesAuthor ? SuggestionEngine.authorPoints : 0) + genre + era
    }

    /// How many values two sorted arrays of distinct values share.
    private static func commonCount(_ lhs: [Int], _ rhs: [Int]) -> Int {
        var (left, right, count) = (0, 0, 0)
        while left < lhs.count && right < rhs.count {
            if lhs[left] == rhs[right] {
                count += 1
                left += 1
                right += 1
            } else if lhs[left] < rhs[right] {
                left += 1
            } else {
                right += 1
            }
        }
        return count
    }

    /// Up to `limit` related books of the books at `ordered` (sorted, distinct positions), best first, never
    /// one of them.
    func related(to ordered: [Int], limit: Int, books: [Book]) -> [Int] {
        guard let only = ordered.first, limit > 0 else { return [] }
        if ordered.count == 1 {
            return Array(neighbours[only].prefix(limit).map(\.position))
        }
        // The best score per candidate in a flat table (0: unrelated or ordered; scores are positive), then the
        // best `limit` kept in a small sorted array: no dictionary, no sort of every candidate.
        var best = [Int](repeating: 0, count: neighbours.count)
        for position in ordered {
            for neighbour in neighbours[position] where neighbour.score > best[neighbour.position] {
                best[neighbour.position] = neighbour.score
            }
        }
        for position in ordered { best[position] = 0 }
        let years = ordered.map { books[$0].year }
        var top: [Candidate] = []
        top.reserveCapacity(limit + 1)
        for position in best.indices where best[position] > 0 {
            var distance = Int.max
            for year in years { distance = min(distance, abs(books[position].year - year)) }
            let candidate = Candidate(position: position, score: best[position], distance: distance)
            guard top.count < limit || candidate.ranks(before: top[top.count - 1], books: books) else { continue }
            let index = top.firstIndex { candidate.ranks(before: $0, books: books) } ?? top.count
            top.insert(candidate, at: index)
            if top.count > limit { top.removeLast() }
        }
        return top.map(\.position)
    }

    /// A candidate of `related(to:limit:books:)`: its best score and its smallest year distance to an ordered book.
    private struct Candidate {
        let position: Int
        let score: Int
        let distance: Int

        /// Higher score first, then nearer in years, then the smaller id.
        func ranks(before other: Candidate, books: [Book]) -> Bool {
            if score != other.score { return score > other.score }
            if distance != other.distance { return distance < other.distance }
            return books[position].id < books[other.position].id
        }
    }
}
