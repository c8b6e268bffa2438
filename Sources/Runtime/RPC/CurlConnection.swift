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
    /// The request's header lines (`name: value\0` each) and the list nodes pointing into them, kept from one
    /// request to the next: no string, `curl_slist_append` copy or list node is allocated per header and request.
    private var requestHeaders = HeaderLines()
    /// The URL last given to libcurl (it keeps its own copy): not set again while it stays the same.
    private var currentURL = ""

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
        requestHeaders.deallocate()
    }

    /// Performs one request. `timeoutMilliseconds` bounds the whole exchange, connect included.
    func perform(
        method: String, url: String, headers requestHeaders: [(String, String)], body requestBody: Data,
        timeoutMilliseconds: Int, connectTimeoutMilliseconds: Int
    ) -> Result<Exchange, TransportError> {
        body.removeAll(keepingCapacity: true)
        headers.removeAll(keepingCapacity: true)
        self.requestHeaders.reset()
        for (name, value) in requestHeaders { self.requestHeaders.append(name: name, value: value) }
        // Without this, curl waits for "100 Continue" on bodies over 1 KiB.
        self.requestHeaders.append(line: "Expect:")
        // libcurl reads the list during `curl_easy_perform` only; the nodes stay valid (and unchanged) until then.
        let list = self.requestHeaders.list()
        defer { bs_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil) }

        if url != currentURL {
            bs_curl_setopt_pointer(handle, CURLOPT_URL, url)
            currentURL = url
        }
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
    let name = lowercasedName(UnsafeBufferPointer(rebasing: bytes[0..<colon]))
    connection.headers[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    return length
}

/// A header name in lower case: ASCII names (all of HTTP's) byte by byte on the stack, others by `lowercased()`.
private func lowercasedName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    guard bytes.count <= 64, bytes.allSatisfy({ $0 < 0x80 }) else {
        return String(decoding: bytes, as: UTF8.self).lowercased()
    }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count)) { scratch in
        for (index, byte) in bytes.enumerated() {
            scratch[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }
        return String(decoding: UnsafeBufferPointer(rebasing: scratch[0..<bytes.count]), as: UTF8.self)
    }
}

/// Request header lines for libcurl in buffers reused from request to request: `name: value` and a NUL each, and
/// a `curl_slist` node per line pointing into them (libcurl only reads the list it is given; it neither copies
/// nor frees it).
private struct HeaderLines {
    private var bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)
    private var byteCapacity = 1024
    private var used = 0
    private var starts: [Int] = []
    private var nodes = UnsafeMutablePointer<curl_slist>.allocate(capacity: 16)
    private var nodeCapacity = 16

    mutating func reset() {
        used = 0
        starts.removeAll(keepingCapacity: true)
    }

    mutating func append(name: String, value: String) {
        starts.append(used)
        write(name)
        write(": ")
        write(value)
        terminate()
    }

    mutating func append(line: StaticString) {
        starts.append(used)
        line.withUTF8Buffer { write($0) }
        terminate()
    }

    private mutating func terminate() {
        reserve(1)
        bytes[used] = 0
        used += 1
    }

    private mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    private mutating func write(_ source: UnsafeBufferPointer<UInt8>) {
        reserve(source.count)
        if let base = source.baseAddress { (bytes + used).update(from: base, count: source.count) }
        used += source.count
    }

    private mutating func reserve(_ count: Int) {
        if used + count > byteCapacity {
            var capacity = byteCapacity * 2
            while capacity < used + count { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: bytes, count: used)
            bytes.deallocate()
            bytes = grown
            byteCapacity = capacity
        }
    }

    /// The list of the lines appended since `reset` (valid until the next `reset`, `append` or `deallocate`).
    mutating func list() -> UnsafeMutablePointer<curl_slist>? {
        guard !starts.isEmpty else { return nil }
        if starts.count > nodeCapacity {
            nodes.deallocate()
            nodeCapacity = max(starts.count, nodeCapacity * 2)
            nodes = UnsafeMutablePointer<curl_slist>.allocate(capacity: nodeCapacity)
        }
        let base = UnsafeMutableRawPointer(bytes).assumingMemoryBound(to: CChar.self)
        for (index, start) in starts.enumerated() {
            let next = index + 1 < starts.count ? nodes + index + 1 : nil
            (nodes + index).initialize(to: curl_slist(data: base + start, next: next))
        }
        return nodes
    }

    func deallocate() {
        bytes.deallocate()
        nodes.deallocate()
    }
}
