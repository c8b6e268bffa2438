import Catalog
import Checkout

/// The web checkout page served at `/`.
enum CheckoutPage {
    /// Titles and authors offered by the page's item picker (`GET /catalog`).
    static let catalogTitles: [SuggestedBook] = BookCatalog.standard.books.map {
        SuggestedBook(bookId: $0.id, title: $0.title, author: $0.author)
    }

    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Bookstore checkout</title></head>
        <body><h1>Bookstore checkout</h1><p>The full page arrives shortly.</p></body></html>
        """
}
