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
    /// Where `addHeader(name:writing:)` has a value written (reused).
    private var valueBytes: [UInt8] = []
    /// The request body during a transfer, in a buffer reused from request to request.
    private var requestBodyBytes = BodyBuffer()

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
        requestBodyBytes.deallocate()
    }

    /// Performs one request. `timeoutMilliseconds` bounds the whole exchange, connect included.
    func perform(
        method: String, url: String, headers requestHeaders: [(String, String)], body requestBody: Data,
        timeoutMilliseconds: Int, connectTimeoutMilliseconds: Int
    ) -> Result<Exchange, TransportError> {
        startHeaders()
        for (name, value) in requestHeaders { addHeader(name: name, value: value) }
        prepare(
            method: method, url: url, body: requestBody, timeoutMilliseconds: timeoutMilliseconds,
            connectTimeoutMilliseconds: connectTimeoutMilliseconds)
        return performPrepared()
    }

    // MARK: One request in steps (a blocking `perform` or a transfer of a `CurlMulti`)

    /// The easy handle, for a multi handle to drive between `prepare` and `finish`.
    var easyHandle: UnsafeMutableRawPointer { handle }

    /// Starts the request's header lines (the previous request's are dropped).
    func startHeaders() {
        requestHeaders.reset()
    }

    /// Adds the header line `name: value` to the request being prepared.
    func addHeader(name: String, value: String) {
        requestHeaders.append(name: name, value: value)
    }

    /// Adds the header line `name: <the bytes write appends>` (a value written without making a string of it).
    func addHeader(name: String, writing write: (inout [UInt8]) -> Void) {
        valueBytes.removeAll(keepingCapacity: true)
        write(&valueBytes)
        requestHeaders.append(name: name, value: valueBytes)
    }

    /// Sets up the request whose headers were given since `startHeaders`: after it the handle is ready for
    /// `curl_easy_perform` or a multi handle, and `finish` must follow its transfer. The body is copied into a buffer
    /// the connection keeps (libcurl reads it during the transfer), so `body` need not outlive this call.
    func prepare(
        method: String, url: String, body requestBody: Data, timeoutMilliseconds: Int, connectTimeoutMilliseconds: Int
    ) {
        body.removeAll(keepingCapacity: true)
        headers.removeAll(keepingCapacity: true)
        // Without this, curl waits for "100 Continue" on bodies over 1 KiB.
        requestHeaders.append(line: "Expect:")
        if url != currentURL {
            bs_curl_setopt_pointer(handle, CURLOPT_URL, url)
            currentURL = url
        }
        // libcurl reads the list during the transfer only; the nodes stay valid (and unchanged) until `finish`.
        bs_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, requestHeaders.list())
        bs_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, timeoutMilliseconds))
        bs_curl_setopt_long(
            handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, min(timeoutMilliseconds, connectTimeoutMilliseconds)))
        errorBuffer[0] = 0
        if method == "GET" {
            bs_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        } else {
            bs_curl_setopt_long(handle, CURLOPT_POST, 1)
            bs_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, requestBodyBytes.store(requestBody))
            bs_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(requestBody.count))
            if method != "POST" { bs_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, method) }
        }
    }

    /// Runs the prepared request on this thread (blocking until its reply or its timeout) and ends it.
    func performPrepared() -> Result<Exchange, TransportError> {
        finish(curl_easy_perform(handle))
    }

    /// Ends the prepared request whose transfer ended with `code`: its reply, or why there is none. The handle
    /// forgets the request's headers and body.
    func finish(_ code: CURLcode) -> Result<Exchange, TransportError> {
        bs_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil)
        bs_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
        bs_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil)
        requestBodyBytes.release()
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

    mutating func append(name: String, value: [UInt8]) {
        starts.append(used)
        write(name)
        write(": ")
        value.withUnsafeBufferPointer { write($0) }
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

/// The bytes of a request body while libcurl sends them: one buffer reused from request to request (a body over
/// `keptBytes` is not kept after its request).
private struct BodyBuffer {
    private static let keptBytes = 64 * 1024
    private var bytes = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 1)
    private var capacity = 4096

    /// Copies `body` into the buffer; returns where it is (valid until `release` or the next `store`).
    mutating func store(_ body: Data) -> UnsafeRawPointer {
        if body.count > capacity {
            bytes.deallocate()
            capacity = body.count
            bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        }
        body.withUnsafeBytes { source in
            if let base = source.baseAddress { bytes.copyMemory(from: base, byteCount: source.count) }
        }
        return UnsafeRawPointer(bytes)
    }

    /// The transfer is over: a large buffer goes back to the default size.
    mutating func release() {
        guard capacity > Self.keptBytes else { return }
        bytes.deallocate()
        capacity = 4096
        bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
    }

    func deallocate() {
        bytes.deallocate()
    }
}
