import ClusterProtocol
import Foundation
import RPC
import TraceFormat

// The cluster's methods through their `RPCMethod` descriptors (ClusterProtocol): the name, the params type and
// the result type come from one declaration, so the two ends cannot disagree. The string-named API underneath
// stays in RPC, a generic layer that knows nothing of the cluster. A method whose params and result are
// `WireCodable` (the checkout path's messages: Checkout's `+Wire.swift` files, `EnqueueReply+Wire.swift`) is read
// and written by the byte-level codecs on both ends (`Router.register` and `RPCClient.call` pick them, WireRPC.swift
// in RPC), with Foundation for every other type and for every body the fast reader leaves.

extension Router {
    /// Registers `method`'s handler. It runs on a server thread; throw `RPCError` for a structured error.
    public mutating func register<Params, Result>(
        _ method: RPCMethod<Params, Result>,
        handler: @escaping @Sendable (Params, RequestContext) throws -> Result
    ) {
        register(method.name, Params.self, handler: handler)
    }
}

extension RPCClient {
    /// Calls `method` and decodes its result, blocking the calling thread until the reply or the deadline.
    /// - Parameters:
    ///   - context: the caller's span; the call becomes part of its trace (a new trace otherwise).
    ///   - callSpan: the call's own span when the caller made it (e.g. to name it in `params`); nil: a child of
    ///     `context`.
    ///   - deadline: the client's default deadline when nil.
    public func call<Params, Result>(
        _ method: RPCMethod<Params, Result>, _ params: Params, context: TraceContext? = nil,
        callSpan: TraceContext? = nil, deadline: Duration? = nil
    ) throws(RPCCallError) -> Result {
        try call(
            method.name, params, returning: Result.self, context: context, callSpan: callSpan, deadline: deadline)
    }

    /// Calls `method` with its params already encoded (one order sent to several services, encoded once).
    /// `encodedParams` must be the JSON of a `Params`; it is sent as it is.
    public func call<Params, Result>(
        _ method: RPCMethod<Params, Result>, encodedParams: Data, context: TraceContext? = nil,
        deadline: Duration? = nil
    ) throws(RPCCallError) -> Result {
        try call(
            method.name, encodedParams: encodedParams, returning: Result.self, context: context, deadline: deadline)
    }

    /// The async form of `RPCClient.callReportingServerSpan`: the result and the server's span of the call.
    public func callReportingServerSpan<Params, Result>(
        _ method: RPCMethod<Params, Result>, _ params: Params, callSpan: TraceContext, deadline: Duration? = nil
    ) async throws(RPCCallError) -> (result: Result, serverSpan: TraceContext?) {
        try await callReportingServerSpan(
            method.name, params, returning: Result.self, callSpan: callSpan, deadline: deadline)
    }

    /// The async form of `call(_:_:context:deadline:)`.
    public func call<Params, Result>(
        _ method: RPCMethod<Params, Result>, _ params: Params, context: TraceContext? = nil,
        deadline: Duration? = nil
    ) async throws(RPCCallError) -> Result {
        try await call(method.name, params, returning: Result.self, context: context, deadline: deadline)
    }
}
