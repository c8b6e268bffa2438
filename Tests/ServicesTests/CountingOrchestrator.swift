import Cluster
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A stand-in orchestrator on a plain TCP socket, one thread per connection, that counts what the load generator
/// really does: the connections it opens, the requests in flight at once, and the peak of both. It approves every
/// checkout (with a fresh order id) after `delayMs`, and holds each of the first `holdFirst` requests until that
/// many have arrived (or 5 s passed), so that N clients that really run at once put N requests in flight.
final class CountingOrchestrator: Sendable {
    struct Counts: Sendable {
        var accepted = 0
        var arrived = 0
        var inFlight = 0
        var peakInFlight = 0
        /// ESTABLISHED client sockets to this port when the held requests were released.
        var clientSocketsAtRelease: Int?
        var stopped = false
        var threads = 0
    }

    let port: Int
    let holdFirst: Int
    let delayMs: Int
    private let listener: Int32
    private let state = Mutex(Counts())

    init(holdFirst: Int = 0, delayMs: Int = 0) throws {
        self.holdFirst = holdFirst
        self.delayMs = delayMs
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 128) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        spawn { [self] in acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var counts: Counts { state.withLock { $0 } }

    /// Stops accepting and serving; returns when every thread of the server has ended (at most ~2 s).
    func stop() {
        state.withLock { $0.stopped = true }
        let deadline = Date().addingTimeInterval(3)
        while state.withLock({ $0.threads }) > 0 && Date() < deadline { usleep(10_000) }
        close(listener)
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.threads += 1 }
        Thread.detachNewThread { [self] in
            body()
            state.withLock { $0.threads -= 1 }
        }
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        while !stopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            state.withLock { $0.accepted += 1 }
            spawn { [self] in serve(connection) }
        }
    }

    /// Serves keep-alive requests on one connection until the client closes it or the server stops.
    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while !stopped {
            if let request = Self.takeRequest(from: &buffer) {
                _ = request
                guard answer(on: connection) else { return }
                continue
            }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count == 0 { return }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return
            }
            buffer += chunk[0..<count]
        }
    }

    /// Removes one whole request (head and `Content-Length` body) from the front of `buffer`.
    static func takeRequest(from buffer: inout [UInt8]) -> [UInt8]? {
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        guard buffer.count >= 4,
            let headEnd = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<($0 + 4)]) == end })
        else { return nil }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self).lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let total = headEnd + 4 + length
        guard buffer.count >= total else { return nil }
        let request = Array(buffer[0..<total])
        buffer.removeFirst(total)
        return request
    }

    /// Counts the request in flight, holds it as configured, and sends an approval.
    private func answer(on connection: Int32) -> Bool {
        let number = state.withLock { counts in
            counts.arrived += 1
            counts.inFlight += 1
            counts.peakInFlight = max(counts.peakInFlight, counts.inFlight)
            return counts.arrived
        }
        if number <= holdFirst {
            let deadline = Date().addingTimeInterval(5)
            while state.withLock({ $0.arrived }) < holdFirst && Date() < deadline && !stopped { usleep(1000) }
            let sockets = TCPConnectionTable.clientPorts(connectedTo: port).count
            state.withLock { $0.clientSocketsAtRelease = $0.clientSocketsAtRelease ?? sockets }
        }
        if delayMs > 0 { usleep(UInt32(delayMs * 1000)) }
        let body = #"{"status":"Order Approved","orderId":"\#(String(format: "%032x", number))"}"#
        let reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        state.withLock { $0.inFlight -= 1 }
        let bytes = Array(reply.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }
}
