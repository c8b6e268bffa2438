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
    collector.headers[String(cString: key).lowercased()] = value.map { String(cString: $0) } ?? ""
    return .YES
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
