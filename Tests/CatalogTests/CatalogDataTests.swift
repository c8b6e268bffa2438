import Testing

@testable import Catalog

@Suite struct CatalogDataTests {
    let books = BookCatalog.standard.books

    @Test func shippedCatalogHasAtLeast220Books() {
        #expect(books.count >= 220)
    }

    @Test func idsAreUniqueAndStable() {
        #expect(Set(books.map(\.id)).count == books.count)
        for (offset, book) in books.enumerated() {
            #expect(book.id == "b" + String(offset + 1).leftPadded(to: 3), "\(book.title)")
        }
    }

    @Test func titleAndAuthorPairsAreUnique() {
        let pairs = books.map { "\($0.title)|\($0.author)" }
        #expect(Set(pairs).count == books.count)
    }

    @Test func normalizedTitlesAreUniqueSoExactMatchesAreUnambiguous() {
        let keys = books.map { TitleNormalizer.normalize($0.title) }
        #expect(Set(keys).count == books.count)
    }

    @Test func yearsAreWithinRange() {
        for book in books {
            #expect((1600...2025).contains(book.year), "\(book.title): \(book.year)")
        }
    }

    @Test func everyBookHasOneToThreeDistinctGenresFromTheVocabulary() {
        for book in books {
            #expect((1...3).contains(book.genres.count), "\(book.title)")
            #expect(Set(book.genres).count == book.genres.count, "\(book.title)")
            for genre in book.genres {
                #expect(Genre(rawValue: genre) != nil, "\(book.title): \(genre)")
            }
        }
    }

    @Test func fieldsAreNonEmptyAndTrimmed() {
        for book in books {
            for field in [book.id, book.title, book.author] {
                #expect(!field.isEmpty && field.trimmingWhitespace == field, "\(book.id)")
            }
            #expect(!book.authors.isEmpty, "\(book.id)")
        }
    }

    @Test func catalogHasAGoodChunkOfComputingBooks() {
        let computing = books.filter { $0.genres.contains("programming") || $0.genres.contains("computer-science") }
        #expect(computing.count >= 40)
    }

    @Test func bookByIdFindsShippedBooks() throws {
        let book = try #require(BookCatalog.standard.book(id: "b001"))
        #expect(book.title == "Designing Data-Intensive Applications")
        #expect(book.author == "Martin Kleppmann")
        #expect(BookCatalog.standard.book(id: "b999") == nil)
    }

    @Test func authorsSplitsSeveralPeople() {
        let book = Book(id: "x", title: "T", author: "A. One, B. Two and C. Three", year: 2000, genres: ["drama"])
        #expect(book.authors == ["A. One", "B. Two", "C. Three"])
    }

    @Test func staffPicksAllExistAndFillTheMaximumCount() {
        let picks = SuggestionEngine.standardStaffPicks
        #expect(Set(picks).count == picks.count)
        #expect(picks.count >= SuggestionEngine.maximumCount)
        for id in picks {
            #expect(BookCatalog.standard.book(id: id) != nil, "\(id)")
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
