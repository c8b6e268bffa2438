import Checkout
import SeededRandom
import Testing

@testable import Catalog

/// The precomputed neighbour lists must rank exactly as scoring the whole catalog against every ordered book does.
@Suite("Related books index")
struct RelatedBooksIndexTests {
    let engine = SuggestionEngine()
    let catalog = BookCatalog.standard

    /// The rule as documented on `SuggestionEngine`, by brute force over the catalog (the shape of the code the
    /// index replaced).
    func referenceRelated(_ ordered: [Book], limit: Int) -> [String] {
        let excluded = Set(ordered.map(\.id))
        let ranked = catalog.books.compactMap { candidate -> (Book, Int, Int)? in
            guard !excluded.contains(candidate.id) else { return nil }
            let score = ordered.map { SuggestionEngine.affinity(of: candidate, to: $0) }.max() ?? 0
            guard score > 0 else { return nil }
            return (candidate, score, ordered.map { abs(candidate.year - $0.year) }.min() ?? 0)
        }
        return ranked.sorted { lhs, rhs in
            if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
            if lhs.2 != rhs.2 { return lhs.2 < rhs.2 }
            return lhs.0.id < rhs.0.id
        }.prefix(limit).map(\.0.id)
    }

    func indexed(_ ordered: [Book], limit: Int) -> [String] {
        let positions = ordered.compactMap { catalog.position(of: $0.id) }.sorted()
        return catalog.related.related(to: positions, limit: limit, books: catalog.books).map { catalog.books[$0].id }
    }

    @Test func everySingleBookRanksItsRelatedBooksAsTheFullScanDoes() {
        for book in catalog.books {
            #expect(indexed([book], limit: 20) == referenceRelated([book], limit: 20), "\(book.id) \(book.title)")
        }
    }

    @Test func randomOrdersOfSeveralBooksRankAsTheFullScanDoes() {
        var random = SplitMix64(seed: 0x5eed_b00c)
        for _ in 0..<300 {
            let count = Int.random(in: 2...5, using: &random)
            let positions = Set((0..<count).map { _ in Int.random(in: 0..<catalog.books.count, using: &random) })
            let ordered = positions.sorted().map { catalog.books[$0] }
            let limit = Int.random(in: 1...20, using: &random)
            #expect(indexed(ordered, limit: limit) == referenceRelated(ordered, limit: limit), "\(ordered.map(\.id))")
        }
    }

    @Test func theIndexedScoreIsTheDocumentedAffinityForEveryRelatedPair() {
        for (position, list) in catalog.related.neighbours.enumerated() {
            for neighbour in list {
                let score = SuggestionEngine.affinity(
                    of: catalog.books[neighbour.position], to: catalog.books[position])
                #expect(neighbour.score == score && score > 0)
            }
        }
    }
}
