import Catalog
import Checkout
import ClusterProtocol
import RPC

/// Suggestions: `suggest(SuggestionRequest) -> SuggestionResult` from the shipped catalog.
public struct SuggestionsService: Sendable {
    public let engine: SuggestionEngine

    public init(engine: SuggestionEngine = SuggestionEngine(catalog: .standard)) {
        self.engine = engine
    }

    public func register(into router: inout Router) {
        let engine = self.engine
        router.register(SuggestionsRPC.suggest) { request, _ in
            SuggestionResult(books: engine.suggest(for: request.orderedTitles, count: request.count))
        }
    }
}
