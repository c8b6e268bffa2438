import Checkout
import ClusterProtocol
import Foundation
import RPC
import TraceFormat

extension Router {
    /// Registers a batched method whose every item is handled by `item`, the handler of the one-order method: the
    /// same work, logs and metrics per order, each item in its checkout's trace (the item's `trace`). A batch that
    /// is empty, longer than `BatchParams.maxItems` or names a malformed `traceparent` is refused whole, before any
    /// item runs.
    public mutating func registerBatch<Params, Result>(
        _ method: RPCMethod<BatchParams<Params>, BatchResults<Result>>,
        item: @escaping @Sendable (Params, RequestContext) throws -> Result
    ) {
        registerBatch(method) { params, contexts in
            try zip(params, contexts).map { try item($0, $1) }
        }
    }

    /// Registers a batched method whose items are handled together by `items` (params and contexts in the items'
    /// order; it returns one result per item, in order), for work that is cheaper done once for all of them.
    public mutating func registerBatch<Params, Result>(
        _ method: RPCMethod<BatchParams<Params>, BatchResults<Result>>,
        items: @escaping @Sendable ([Params], [RequestContext]) throws -> [Result]
    ) {
        register(method) { batch, context throws -> BatchResults<Result> in
            let contexts = try Self.itemContexts(of: batch, in: context, method: method.name)
            let results = try items(batch.items.map(\.params), contexts)
            guard results.count == contexts.count else {
                throw RPCError(.internalError, "\(method.name): \(results.count) results for \(contexts.count) items")
            }
            return BatchResults(results: results)
        }
    }

    /// Each item's context: the batch's request with the item's checkout span as its trace.
    private static func itemContexts<Params>(
        of batch: BatchParams<Params>, in context: RequestContext, method: String
    ) throws(RPCError) -> [RequestContext] {
        let count = batch.items.count
        guard count > 0, count <= BatchParams<Params>.maxItems else {
            throw RPCError(
                .invalidParams, "\(method): a batch carries 1 to \(BatchParams<Params>.maxItems) items, not \(count)")
        }
        var contexts: [RequestContext] = []
        contexts.reserveCapacity(count)
        for (index, entry) in batch.items.enumerated() {
            guard let trace = TraceContext(traceparent: entry.trace) else {
                throw RPCError(.invalidParams, "\(method): item \(index) has a malformed trace")
            }
            contexts.append(context.inTrace(trace))
        }
        return contexts
    }
}

extension BatchResults {
    /// Each item's answer from one batched call: its result, or the call's error for every item (a reply with
    /// another number of results than `count` is a bad reply for all of them).
    static func split(
        _ reply: Swift.Result<BatchResults, RPCCallError>, count: Int, peer: String, method: String
    ) -> [Swift.Result<Result, any Error>] {
        switch reply {
        case .success(let batch) where batch.results.count == count:
            return batch.results.map { .success($0) }
        case .success(let batch):
            let error = RPCCallError(
                kind: .badReply(status: 200, detail: "\(batch.results.count) results for \(count) orders"), peer: peer,
                method: method)
            return Array(repeating: .failure(error), count: count)
        case .failure(let error):
            return Array(repeating: .failure(error), count: count)
        }
    }
}
