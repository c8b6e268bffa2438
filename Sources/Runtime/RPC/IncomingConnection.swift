import CMicroHTTPD
import Foundation

/// Header access for the connection being served; valid only during the handler call.
struct IncomingConnection {
    let raw: OpaquePointer

    func header(_ name: String) -> String? {
        // `withCString` borrows the string's own bytes (an implicit String-to-pointer argument copies them).
        name.withCString { MHD_lookup_connection_value(raw, .HEADER_KIND, $0) }.map { String(cString: $0) }
    }

    /// The metadata headers of the request, found in one pass over its headers.
    func metadataHeaders() -> MetadataHeaders {
        var found = MetadataHeaders()
        withUnsafeMutablePointer(to: &found) { pointer in
            _ = MHD_get_connection_values_n(raw, .HEADER_KIND, collectMetadataHeader, UnsafeMutableRawPointer(pointer))
        }
        return found
    }

    /// All request headers, names lowercased.
    func allHeaders() -> [String: String] {
        let collector = HeaderCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        MHD_get_connection_values(raw, .HEADER_KIND, collectHeader, context)
        return collector.headers
    }
}

/// The headers the dispatcher reads on every request (the cluster's `WireHeader`s and `Authorization`), found in one
/// pass over the request's headers rather than by one lookup (a scan of the whole list) per name. Of a repeated name,
/// the first counts, as a lookup by name finds it. The values point into libmicrohttpd's memory for the request:
/// valid only during the handler call.
struct MetadataHeaders {
    /// The names, lower case, in the order of `values`.
    private static let names: [[UInt8]] = [
        "authorization", WireHeader.traceparent, WireHeader.vectorClock, WireHeader.messageID, WireHeader.sender,
        WireHeader.deadline,
    ].map { Array($0.utf8) }

    /// The bytes of each name's value, in the order of `names` (a base address of nil: absent).
    private var values = (
        UnsafeBufferPointer<UInt8>(start: nil, count: 0), UnsafeBufferPointer<UInt8>(start: nil, count: 0),
        UnsafeBufferPointer<UInt8>(start: nil, count: 0), UnsafeBufferPointer<UInt8>(start: nil, count: 0),
        UnsafeBufferPointer<UInt8>(start: nil, count: 0), UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    )

    /// `Authorization`, if present.
    var authorization: String? { text(values.0) }

    /// The values of the cluster's metadata headers.
    var wireValues: WireHeaderValues {
        WireHeaderValues(
            traceparent: text(values.1), vectorClock: text(values.2), messageID: text(values.3), sender: text(values.4),
            deadline: text(values.5))
    }

    private func text(_ value: UnsafeBufferPointer<UInt8>) -> String? {
        value.baseAddress == nil ? nil : String(decoding: value, as: UTF8.self)
    }

    /// Keeps `value` when `name` (any ASCII case) is one of the names and the first of it.
    mutating func offer(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let names = Self.names
        var index = 0
        while index < names.count && !Self.same(name, names[index]) { index += 1 }
        switch index {
        case 0 where values.0.baseAddress == nil: values.0 = value
        case 1 where values.1.baseAddress == nil: values.1 = value
        case 2 where values.2.baseAddress == nil: values.2 = value
        case 3 where values.3.baseAddress == nil: values.3 = value
        case 4 where values.4.baseAddress == nil: values.4 = value
        case 5 where values.5.baseAddress == nil: values.5 = value
        default: break
        }
    }

    /// True when `name` is `lower` in any ASCII case.
    private static func same(_ name: UnsafeBufferPointer<UInt8>, _ lower: [UInt8]) -> Bool {
        guard name.count == lower.count else { return false }
        return lower.withUnsafeBufferPointer { lower in
            for index in 0..<lower.count {
                let byte = name[index]
                if ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) != lower[index] { return false }
            }
            return true
        }
    }
}

private func collectMetadataHeader(
    cls: UnsafeMutableRawPointer?, kind: MHD_ValueKind, key: UnsafePointer<CChar>?, keySize: Int,
    value: UnsafePointer<CChar>?, valueSize: Int
) -> MHD_Result {
    // Headers of requests always have a value (an empty one at least); a lookup by name gives nil otherwise too.
    guard let cls, let key, let value else { return .YES }
    let name = UnsafeBufferPointer(start: UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self), count: keySize)
    let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: valueSize)
    cls.assumingMemoryBound(to: MetadataHeaders.self).pointee.offer(name: name, value: bytes)
    return .YES
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
