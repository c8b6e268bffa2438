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
        let suggest: @Sendable (SuggestionRequest, RequestContext) -> SuggestionResult = { request, _ in
            SuggestionResult(books: engine.suggest(for: request.orderedTitles, count: request.count))
        }
        router.register(SuggestionsRPC.suggest, handler: suggest)
        router.registerBatch(SuggestionsRPC.suggestBatch, item: suggest)
    }
}
