import CCurl
import CShims
import Foundation

/// One libcurl easy handle: one persistent keep-alive connection, used by one thread at a time.
final class CurlConnection {
    /// The result of one exchange.
    struct Exchange {
        var status: Int
        var body: Data
        var headers: [String: String]
    }

    /// A transport failure (no HTTP reply).
    struct TransportError: Error {
        var code: CURLcode
        var message: String
        var timedOut: Bool { code == CURLE_OPERATION_TIMEDOUT }
    }

    private let handle: UnsafeMutableRawPointer
    fileprivate var body = Data()
    fileprivate var headers: [String: String] = [:]
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    /// - Parameter caFile: PEM file of the CA that https:// peers must be signed by (nil: the system's CAs).
    init(caFile: String? = nil) {
        _ = Self.globalInit
        handle = curl_easy_init()
        let me = Unmanaged.passUnretained(self).toOpaque()
        bs_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        bs_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        bs_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        bs_curl_setopt_write_function(handle, curlWriteBody)
        bs_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        bs_curl_setopt_header_function(handle, curlWriteHeader)
        bs_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
        // Loopback or a private network: no proxies from the environment.
        bs_curl_setopt_pointer(handle, CURLOPT_NOPROXY, "*")
        bs_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        if let caFile {
            // libcurl copies string options. Peers are verified by certificate and host name.
            bs_curl_setopt_pointer(handle, CURLOPT_CAINFO, caFile)
            bs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            bs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs one request. `timeoutMilliseconds` bounds the whole exchange, connect included.
    func perform(
        method: String, url: String, headers requestHeaders: [(String, String)], body requestBody: Data,
        timeoutMilliseconds: Int, connectTimeoutMilliseconds: Int
    ) -> Result<Exchange, TransportError> {
        body.removeAll(keepingCapacity: true)
        headers.removeAll(keepingCapacity: true)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in requestHeaders {
            list = curl_slist_append(list, "\(name): \(value)")
        }
        // Without this, curl waits for "100 Continue" on bodies over 1 KiB.
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }

        bs_curl_setopt_pointer(handle, CURLOPT_URL, url)
        bs_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
        bs_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, timeoutMilliseconds))
        bs_curl_setopt_long(
            handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, min(timeoutMilliseconds, connectTimeoutMilliseconds)))
        errorBuffer[0] = 0

        let code: CURLcode = requestBody.withUnsafeBytes { buffer in
            if method == "GET" {
                bs_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            } else {
                bs_curl_setopt_long(handle, CURLOPT_POST, 1)
                bs_curl_setopt_pointer(
                    handle, CURLOPT_POSTFIELDS, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                bs_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
                if method != "POST" { bs_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, method) }
            }
            defer {
                bs_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
                bs_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil)
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(TransportError(code: code, message: message))
        }
        var status = 0
        bs_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(Exchange(status: status, body: body, headers: headers))
    }
}

private func curlWriteBody(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
)
    -> Int
{
    guard let data, let userdata else { return 0 }
    let connection = Unmanaged<CurlConnection>.fromOpaque(userdata).takeUnretainedValue()
    connection.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
}

private func curlWriteHeader(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let userdata else { return 0 }
    let length = size * count
    let connection = Unmanaged<CurlConnection>.fromOpaque(userdata).takeUnretainedValue()
    // Byte-level parsing: Foundation's string trimming here cost more than the rest of the call.
    let bytes = UnsafeRawBufferPointer(start: data, count: length).bindMemory(to: UInt8.self)
    if length >= 5 && bytes[0] == UInt8(ascii: "H") && bytes[1] == UInt8(ascii: "T") && bytes[4] == UInt8(ascii: "/") {
        connection.headers.removeAll(keepingCapacity: true)  // a new response (after 1xx) starts
        return length
    }
    guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return length }
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
    var start = colon + 1
    var end = length
    while start < end && isSpace(bytes[start]) { start += 1 }
    while end > start && isSpace(bytes[end - 1]) { end -= 1 }
    let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<colon]), as: UTF8.self).lowercased()
    connection.headers[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    return length
}
