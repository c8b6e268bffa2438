import ClusterProtocol
import RPC
import TraceFormat

/// The OpenTelemetry semantic conventions the exports follow: resource attributes per node, RPC (JSON-RPC) and
/// HTTP attributes on RPC spans, messaging attributes on the order queue's producer and consumer spans.
public enum OTLPConventions {
    /// `service.namespace` of every node.
    public static let namespace = "bookstore"
    /// The queue as a messaging destination (`messaging.destination.name`).
    public static let destination = "orders"

    /// `service.name` of a node: its id without a replica number (`executor-2` → `executor`), so that replicas are
    /// one service with several instances (`service.instance.id` is the node id).
    public static func serviceName(of node: String) -> String {
        guard let dash = node.lastIndex(of: "-") else { return node }
        let suffix = node[node.index(after: dash)...]
        guard !suffix.isEmpty, suffix.allSatisfy(\.isNumber), dash != node.startIndex else { return node }
        return String(node[..<dash])
    }

    /// The resource attributes of one incarnation of a node.
    public static func resourceAttributes(node: String, pid: Int32) -> [(String, TraceValue)] {
        [
            ("service.name", .string(serviceName(of: node))), ("service.namespace", .string(namespace)),
            ("service.instance.id", .string(node)), ("process.pid", .int(Int64(pid))),
            ("telemetry.sdk.name", .string(OTLPEncoder.scopeName)), ("telemetry.sdk.language", .string("swift")),
        ]
    }

    /// Semantic-convention attributes of `span`: `rpc.*`, `http.*`, `server.*` on RPC spans, `messaging.*` on the
    /// queue's spans. `addresses` maps node ids to `host:port` (the cluster config); without an entry,
    /// `server.address` is the peer's node id and `server.port` is left out.
    public static func attributes(of span: AssembledSpan, addresses: [String: String]) -> [(String, TraceValue)] {
        var result: [(String, TraceValue)] = []
        if let rpc = RPCEvent.decoded(span.start), let method = rpc.method {
            let server = span.kind == .server ? span.node : (rpc.peer ?? "")
            result += rpcAttributes(method: method, server: server, addresses: addresses)
            if span.kind != .server, let peer = rpc.peer {
                result.append(("peer.service", .string(serviceName(of: peer))))
            }
            result += outcomeAttributes(span.end, isJSONRPC: !isRoute(method))
            result += messagingAttributes(method: method, span: span)
        } else if span.kind == .consumer {
            result += [
                ("messaging.system", .string(namespace)), ("messaging.operation.type", .string("process")),
                ("messaging.operation.name", .string("execute")), ("messaging.destination.name", .string(destination)),
                ("messaging.consumer.group.name", .string("executor")),
            ]
            if let order = SpanEventFields.order(span.start) { result.append(("messaging.message.id", .string(order))) }
        }
        return result
    }

    /// True for a plain HTTP route (`POST /checkout`), false for a JSON-RPC method (`enqueue`).
    static func isRoute(_ method: String) -> Bool { method.contains(" ") }

    private static func rpcAttributes(
        method: String, server: String, addresses: [String: String]
    ) -> [(String, TraceValue)] {
        var result: [(String, TraceValue)] = []
        if isRoute(method) {
            let parts = method.split(separator: " ", maxSplits: 1).map(String.init)
            result += [
                ("http.request.method", .string(parts[0])), ("url.path", .string(parts.count > 1 ? parts[1] : "/")),
            ]
            result.append(("http.route", .string(parts.count > 1 ? parts[1] : "/")))
        } else {
            result += [
                ("rpc.system", .string("jsonrpc")), ("rpc.method", .string(method)),
                ("rpc.service", .string(serviceName(of: server))), ("rpc.jsonrpc.version", .string("2.0")),
                ("http.request.method", .string("POST")),
            ]
        }
        if let address = addresses[server], let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...])
        {
            result.append(("server.address", .string(String(address[..<colon]))))
            result.append(("server.port", .int(Int64(port))))
        } else if !server.isEmpty {
            result.append(("server.address", .string(server)))
        }
        return result
    }

    private static func outcomeAttributes(_ end: TraceEvent?, isJSONRPC: Bool) -> [(String, TraceValue)] {
        guard let end, let rpc = RPCEvent.decoded(end) else { return [] }
        var result: [(String, TraceValue)] = []
        if case .replySend(let reply) = rpc, let status = reply.httpStatus {
            result.append(("http.response.status_code", .int(Int64(status))))
        }
        if case .replyReceive(let reply) = rpc, let status = reply.httpStatus {
            result.append(("http.response.status_code", .int(Int64(status))))
        }
        if let status = rpc.status, status != "ok" {
            result.append(("error.type", .string(status)))
            if isJSONRPC, let code = RPCErrorCode.allCases.first(where: { $0.name == status }) {
                result.append(("rpc.jsonrpc.error_code", .int(Int64(code.rawValue))))
            }
            if isJSONRPC, let message = SpanEventFields.error(end) {
                result.append(("rpc.jsonrpc.error_message", .string(message)))
            }
        }
        return result
    }

    /// `enqueue` sends an order (producer); `lease` receives orders; `ack`/`release` settle one.
    private static func messagingAttributes(method: String, span: AssembledSpan) -> [(String, TraceValue)] {
        let operation: String
        switch method {
        case QueueRPC.enqueue.name: operation = "send"
        case QueueRPC.lease.name: operation = "receive"
        case QueueRPC.ack.name, QueueRPC.release.name: operation = "settle"
        default: return []
        }
        var result: [(String, TraceValue)] = [
            ("messaging.system", .string(namespace)), ("messaging.operation.type", .string(operation)),
            ("messaging.operation.name", .string(method)), ("messaging.destination.name", .string(destination)),
        ]
        let events = [span.start] + span.events + (span.end.map { [$0] } ?? [])
        if let order = events.lazy.compactMap(SpanEventFields.order).first {
            result.append(("messaging.message.id", .string(order)))
        }
        return result
    }
}
