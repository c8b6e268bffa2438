import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP client socket for connection-level tests: bound to a chosen source address (127.0.0.2 is a
/// second address on Linux loopback), with send/receive timeouts so that no test can hang on it.
final class RawSocket {
    private(set) var fd: Int32

    /// Connects from `source` to `127.0.0.1:port`; nil when the socket cannot be made or the connect fails.
    init?(from source: String, toPort port: Int, timeoutSeconds: Int = 2) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Self.withAddress(source, port: 0, { bind(fd, $0, $1) }) == 0,
            Self.withAddress("127.0.0.1", port: port, { connect(fd, $0, $1) }) == 0
        else {
            close(fd)
            return nil
        }
    }

    deinit { closeNow() }

    func closeNow() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Sends all of `text`; false when the peer closed or the send timed out.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// Reads until the peer closes, the receive timeout passes or `limit` bytes arrived.
    func receiveAll(limit: Int = 64 * 1024) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < limit {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// True when the peer has closed the connection (a read returns end of stream or a reset) within `seconds`.
    func closedByPeer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var byte: UInt8 = 0
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { return true }
            if poller.revents != 0 {
                let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            }
        }
        return false
    }

    /// One `GET path` with `Connection: close` from `source`: the whole reply, or nil when no reply came.
    static func get(_ path: String, port: Int, from source: String, timeoutSeconds: Int = 2) -> String? {
        guard let socket = RawSocket(from: source, toPort: port, timeoutSeconds: timeoutSeconds) else { return nil }
        defer { socket.closeNow() }
        guard socket.send("GET \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n") else { return nil }
        let reply = socket.receiveAll()
        return reply.isEmpty ? nil : reply
    }

    /// `POST /checkout` with a JSON `body` from `source` on one connection; the whole reply (nil when none came).
    static func checkout(_ body: String, port: Int, from source: String, timeoutSeconds: Int = 5) -> String? {
        guard let socket = RawSocket(from: source, toPort: port, timeoutSeconds: timeoutSeconds) else { return nil }
        defer { socket.closeNow() }
        let request =
            "POST /checkout HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        guard socket.send(request) else { return nil }
        let reply = socket.receiveAll()
        return reply.isEmpty ? nil : reply
    }

    private static func withAddress(
        _ host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return -1 }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
