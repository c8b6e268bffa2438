import Causality
import Foundation
import TraceFormat

#if canImport(Glibc)
    import Glibc
#endif

/// Two in-process nodes, `alpha` (client) and `beta` (server), exchanging real requests over TCP on 127.0.0.1
/// and tracing them into real trace files with `TraceRecorder.file`, following the RPC layer's rules
/// (docs/trace-format.md §4–5: `traceparent`, `x-vector-clock`, `x-message-id`, `x-sender` headers; a new server
/// span whose parent is the call span; receives merge the sender's clock).
///
/// A stand-in for `RPCServer`/`RPCClient`: the TraceExportTests target does not depend on the RPC library.
final class LoopbackExchange: @unchecked Sendable {
    let directory: String
    let client: TraceRecorder
    let server: TraceRecorder
    private let listener: Int32
    private(set) var port: UInt16 = 0
    private var calls = 0
    private let served = DispatchGroup()

    init(directory: String) throws {
        self.directory = directory
        server = try TraceRecorder.file(node: "beta", directory: directory)
        client = try TraceRecorder.file(node: "alpha", directory: directory)
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Serves `count` requests on a background thread.
    func serve(count: Int) {
        served.enter()
        let thread = Thread { [self] in
            for _ in 0..<count {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { break }
                handle(connection)
                close(connection)
            }
            served.leave()
        }
        thread.start()
    }

    /// Waits for the server thread, then closes the socket and both trace files.
    func finish() {
        _ = served.wait(timeout: .now() + 10)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        server.close()
        client.close()
    }

    /// One call from alpha to beta (or to `port`, for a peer that is not listening); returns the HTTP status,
    /// nil when no reply came (recorded as `rpc.failure`).
    @discardableResult
    func call(_ method: String, context: TraceContext? = nil, port: UInt16? = nil) -> Int? {
        calls += 1
        let trace = context?.child() ?? TraceContext.newTrace()
        let data: [String: TraceValue] = [
            "method": .string(method), "msg": .string("alpha-\(client.pid)-\(calls)"), "peer": "beta",
        ]
        let sent = client.record(.rpcSend, context: trace, data: data)
        let headers = [
            "traceparent: \(trace.traceparent)", "x-vector-clock: \(sent.description)",
            "x-message-id: alpha-\(client.pid)-\(calls)", "x-sender: alpha",
        ]
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = Self.loopback(port: port ?? self.port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected, Self.send(descriptor, "POST /rpc/\(method)\r\n" + headers.joined(separator: "\r\n")),
            let reply = Self.readHead(descriptor), let status = Int(reply.first?.split(separator: " ").first ?? "")
        else {
            var failure = data
            failure.merge(["status": "unavailable", "error": "connection failed", "duration_ns": 1_000]) { $1 }
            client.record(.rpcFailure, context: trace, data: failure)
            return nil
        }
        var received = data
        received.merge(["status": .string(status < 400 ? "ok" : "error"), "http_status": .int(Int64(status))]) { $1 }
        let replyClock = Self.header("x-vector-clock", in: reply).flatMap(VectorClock.init(jsonText:))
        client.record(.rpcReplyReceive, context: trace, merging: replyClock, data: received)
        return status
    }

    private func handle(_ connection: Int32) {
        guard let head = Self.readHead(connection) else { return }
        let method = String(head[0].split(separator: "/").last ?? "?")
        let incoming = Self.header("traceparent", in: head).flatMap(TraceContext.init(traceparent:))
        let span = incoming?.child() ?? TraceContext.newTrace()
        var data: [String: TraceValue] = ["method": .string(method)]
        if let msg = Self.header("x-message-id", in: head) { data["msg"] = .string(msg) }
        if let peer = Self.header("x-sender", in: head) { data["peer"] = .string(peer) }
        let clock = Self.header("x-vector-clock", in: head).flatMap(VectorClock.init(jsonText:))
        server.record(.rpcReceive, context: span, merging: clock, data: data)
        let failed = method == "boom"
        server.record(.log, context: span, data: ["level": "info", "message": .string("handling \(method)")])
        data.merge(["status": .string(failed ? "internal" : "ok"), "http_status": failed ? 500 : 200]) { $1 }
        let replyClock = server.record(.rpcReplySend, context: span, data: data)
        _ = Self.send(connection, "\(failed ? 500 : 200) reply\r\nx-vector-clock: \(replyClock.description)")
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private static func send(_ descriptor: Int32, _ head: String) -> Bool {
        let bytes = Array((head + "\r\n\r\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// The lines of a message head, read up to the blank line.
    private static func readHead(_ descriptor: Int32) -> [String]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !bytes.ends(with: Array("\r\n\r\n".utf8)) {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes.dropLast(4), as: UTF8.self).components(separatedBy: "\r\n")
    }

    private static func header(_ name: String, in head: [String]) -> String? {
        head.dropFirst().first { $0.lowercased().hasPrefix(name + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
