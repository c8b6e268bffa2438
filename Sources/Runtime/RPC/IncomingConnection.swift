import CMicroHTTPD
import Foundation

/// Header access for the connection being served; valid only during the handler call.
struct IncomingConnection {
    let raw: OpaquePointer

    func header(_ name: String) -> String? {
        // `withCString` borrows the string's own bytes (an implicit String-to-pointer argument copies them).
        name.withCString { MHD_lookup_connection_value(raw, .HEADER_KIND, $0) }.map { String(cString: $0) }
    }

    /// All request headers, names lowercased.
    func allHeaders() -> [String: String] {
        let collector = HeaderCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        MHD_get_connection_values(raw, .HEADER_KIND, collectHeader, context)
        return collector.headers
    }
}

private final class HeaderCollector {
    var headers: [String: String] = [:]
}

private func collectHeader(
    cls: UnsafeMutableRawPointer?, kind: MHD_ValueKind, key: UnsafePointer<CChar>?, value: UnsafePointer<CChar>?
) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<HeaderCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.headers[asciiLowercased(key)] = value.map { String(cString: $0) } ?? ""
    return .YES
}

/// A header name in lower case: ASCII letters byte by byte (`lowercased()`, which handles all of Unicode, was most
/// of the cost of collecting a request's headers); a name with other bytes through `lowercased()`.
private func asciiLowercased(_ name: UnsafePointer<CChar>) -> String {
    let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: strlen(name))
    guard bytes.count <= 128, bytes.allSatisfy({ $0 < 0x80 }) else {
        return String(decoding: bytes, as: UTF8.self).lowercased()
    }
    guard bytes.contains(where: { (0x41...0x5A).contains($0) }) else { return String(decoding: bytes, as: UTF8.self) }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count)) { scratch in
        for (index, byte) in bytes.enumerated() {
            scratch[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }
        return String(decoding: UnsafeBufferPointer(rebasing: scratch[0..<bytes.count]), as: UTF8.self)
    }
}

/// A response ready to queue on a libmicrohttpd connection.
struct ServerReply {
    var status: Int
    var headers: [(String, String)]
    var body: Data

    func send(on connection: OpaquePointer) -> MHD_Result {
        let response: OpaquePointer? = body.withUnsafeBytes { buffer in
            MHD_create_response_from_buffer(
                buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress), .RESPMEM_MUST_COPY)
        }
        guard let response else { return .NO }
        for (name, value) in headers {
            _ = name.withCString { name in value.withCString { MHD_add_response_header(response, name, $0) } }
        }
        let result = MHD_queue_response(connection, UInt32(status), response)
        MHD_destroy_response(response)
        return result
    }
}
