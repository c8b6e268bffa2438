import Foundation
import TraceFormat

/// JSON-RPC 2.0 at `POST /rpc` (method from the body, single requests or batches) and `POST /rpc/<method>`.
extension RequestDispatcher {
    func handleRPC(
        method httpMethod: String, path: String, body: Data, bodyTooLarge: Bool, incoming: Incoming, started: UInt64
    ) -> ServerReply {
        // By UTF-8 (the prefix is "/rpc/" or "/rpc"): counting and dropping characters cost more.
        var name = path.utf8.count > 5 ? String(Substring(path.utf8.dropFirst(5))) : ""
        let traceID = incoming.trace.traceID
        var early: Router.MethodOutcome?
        if httpMethod != "POST" {
            early = Router.failure(
                RPCError(.invalidRequest, "JSON-RPC needs POST, not \(httpMethod)"), id: .null, traceID: traceID)
            early?.status = 405
        } else if bodyTooLarge {
            early = Router.failure(
                RPCError(.payloadTooLarge, "request body over the server's limit"), id: .null, traceID: traceID)
        } else if BatchSplitter.isBatch(body) {
            guard name.isEmpty else {
                early = Router.failure(
                    RPCError(.invalidRequest, "a batch goes to /rpc, not /rpc/\(name)"), id: .null, traceID: traceID)
                recordReceive(operation: "batch", incoming: incoming)
                return reply(to: early!, operation: "batch", known: false, incoming: incoming, started: started)
            }
            return handleBatch(body, incoming: incoming, started: started)
        } else if name.isEmpty {
            switch JSONRPCRequestHead.peek(body) {
            case .none:
                early = Router.failure(
                    RPCError(.parseError, "body is not a valid JSON-RPC object"), id: .null, traceID: traceID)
            case .some(let head) where !head.isVersion2:
                early = Router.failure(
                    RPCError(.invalidRequest, "\"jsonrpc\" must be \"2.0\""), id: head.replyID, traceID: traceID)
            case .some(let head):
                if let method = head.method {
                    name = method
                } else {
                    early = Router.failure(
                        RPCError(.invalidRequest, "missing \"method\""), id: head.replyID, traceID: traceID)
                }
            }
        }
        // An unknown name goes into the trace bounded (a known one is short by construction).
        let handler = router.methods[name]  // looked up once
        let operation = name.isEmpty ? "?" : handler != nil ? name : String(name.prefix(64))
        let context = self.context(operation: operation, trace: incoming.trace, incoming: incoming)
        recordReceive(operation: operation, incoming: incoming)
        let outcome = early ?? run(name, handler: handler, body: body, context: context)
        return reply(
            to: outcome, operation: operation, known: handler != nil, incoming: incoming, started: started,
            context: context)
    }

    /// Records the reply (the receive is recorded before the handler runs) and builds the HTTP reply: no body
    /// for a notification, else JSON.
    private func reply(
        to outcome: Router.MethodOutcome, operation: String, known: Bool, incoming: Incoming, started: UInt64,
        context: RequestContext? = nil
    ) -> ServerReply {
        let context = context ?? self.context(operation: operation, trace: incoming.trace, incoming: incoming)
        if let code = outcome.errorCode {
            log(code: code, message: outcome.errorMessage ?? "", context: context, status: outcome.status)
        }
        let status = outcome.isNotification ? 204 : outcome.status
        let clock = recordReply(
            operation: operation, incoming: incoming, status: status, errorCode: outcome.errorCode, started: started,
            known: known)
        var headers = replyHeaders(clock: clock, incoming: incoming, crossOrigin: false)
        if outcome.isNotification { return ServerReply(status: 204, headers: headers, body: Data()) }
        headers.append(Self.jsonContentType)
        return ServerReply(status: status, headers: headers, body: outcome.body)
    }

    /// One method call: the handler, unless the method is unknown or the caller's deadline already passed.
    private func run(_ name: String, body: Data, context: RequestContext) -> Router.MethodOutcome {
        run(name, handler: router.methods[name], body: body, context: context)
    }

    /// `run` with the method's handler already looked up (nil: unknown method).
    private func run(
        _ name: String, handler: Router.MethodHandler?, body: Data, context: RequestContext
    ) -> Router.MethodOutcome {
        guard let handler else {
            let head = JSONRPCRequestHead.peek(body)
            var outcome = Router.failure(
                RPCError(.methodNotFound, "no method \"\(String(name.prefix(80)))\""), id: head?.replyID ?? .null,
                traceID: context.trace.traceID)
            outcome.isNotification = head.map { $0.isVersion2 && !$0.hasID } ?? false
            return outcome
        }
        if let deadline = context.deadlineNanos, MonotonicClock.nanos() >= deadline {
            return Router.failure(
                RPCError(.deadlineExceeded, "\(name): deadline passed before the handler ran"),
                id: JSONRPCRequestHead.peek(body)?.replyID ?? .null, traceID: context.trace.traceID)
        }
        return handler(body, context)
    }

    /// A batch: every element dispatched in order; the replies of those that are not notifications, as an
    /// array (204 when there are none). An empty or oversized batch, or one that is not JSON, gets one error.
    private func handleBatch(_ body: Data, incoming: Incoming, started: UInt64) -> ServerReply {
        let traceID = incoming.trace.traceID
        let limit = router.admission.maxBatch
        recordReceive(operation: "batch", incoming: incoming)
        let elements: [Data]
        switch BatchSplitter.split(body, limit: limit) {
        case .failure(.notJSON):
            let outcome = Router.failure(RPCError(.parseError, "batch is not valid JSON"), id: .null, traceID: traceID)
            return reply(to: outcome, operation: "batch", known: false, incoming: incoming, started: started)
        case .failure(.empty):
            let outcome = Router.failure(RPCError(.invalidRequest, "empty batch"), id: .null, traceID: traceID)
            return reply(to: outcome, operation: "batch", known: false, incoming: incoming, started: started)
        case .failure(.tooLarge):
            let outcome = Router.failure(
                RPCError(.invalidRequest, "batch of more than \(limit) requests"), id: .null, traceID: traceID)
            return reply(to: outcome, operation: "batch", known: false, incoming: incoming, started: started)
        case .success(let split):
            elements = split
        }
        var replies: [Data] = []
        var failures = 0
        for element in elements {
            let outcome = batchElement(element, incoming: incoming)
            if outcome.errorCode != nil { failures += 1 }
            if !outcome.isNotification { replies.append(outcome.body) }
        }
        var body = Data("[".utf8)
        for (index, reply) in replies.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(reply)
        }
        body.append(UInt8(ascii: "]"))
        var outcome = Router.MethodOutcome(status: 200, body: body)
        outcome.isNotification = replies.isEmpty
        if failures > 0 {
            context(operation: "batch", trace: incoming.trace, incoming: incoming).logger.notice(
                "batch of \(elements.count): \(failures) failed")
        }
        return reply(to: outcome, operation: "batch", known: true, incoming: incoming, started: started)
    }

    /// One element of a batch, in its own child span.
    private func batchElement(_ element: Data, incoming: Incoming) -> Router.MethodOutcome {
        let trace = incoming.trace.child()
        guard let head = JSONRPCRequestHead.peek(element) else {
            return Router.failure(
                RPCError(.invalidRequest, "batch element is not a JSON-RPC object"), id: .null, traceID: trace.traceID)
        }
        guard head.isVersion2, let method = head.method else {
            return Router.failure(
                RPCError(.invalidRequest, head.isVersion2 ? "missing \"method\"" : "\"jsonrpc\" must be \"2.0\""),
                id: head.replyID, traceID: trace.traceID)
        }
        let context = self.context(operation: method, trace: trace, incoming: incoming)
        let outcome = run(method, body: element, context: context)
        if let code = outcome.errorCode {
            log(code: code, message: outcome.errorMessage ?? "", context: context, status: outcome.status)
        }
        return outcome
    }

    func context(operation: String, trace: TraceContext, incoming: Incoming) -> RequestContext {
        RequestContext(
            trace: trace, operation: operation, peer: incoming.sender, deadlineNanos: incoming.deadlineNanos,
            recorder: recorder, logger: logger)
    }
}
