import CCurl
import CShims
import Foundation

/// One libcurl easy handle: one persistent keep-alive connection, used by one thread at a time.
final class CurlConnection {
    /// The result of one exchange.
    struct Exchange {
        var status: Int
        var body: Data
        var replyHeaders: ReplyHeaders

        /// Every reply header, names in lower case.
        var headers: [String: String] { replyHeaders.all }

        /// The value of the reply header `name` (any case).
        func header(_ name: String) -> String? { replyHeaders.value(of: name) }

        /// Every reply header in the order received, names in lower case, each once (the last one wins).
        var headerList: [(String, String)] { replyHeaders.list }
    }

    /// A transport failure (no HTTP reply).
    struct TransportError: Error {
        var code: CURLcode
        var message: String
        var timedOut: Bool { code == CURLE_OPERATION_TIMEDOUT }
    }

    private let handle: UnsafeMutableRawPointer
    fileprivate var body = Data()
    fileprivate var headers = ReplyHeaders()
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// The request's header lines (`name: value\0` each) and the list nodes pointing into them, kept from one
    /// request to the next: no string, `curl_slist_append` copy or list node is allocated per header and request.
    private var requestHeaders = HeaderLines()
    /// The URL last given to libcurl (it keeps its own copy): not set again while it stays the same.
    private var currentURL = ""
    /// `currentURL` parsed once, given to libcurl as `CURLOPT_CURLU`: without it libcurl parses the URL string again
    /// and formats it back on every transfer (~7,000 instructions); with it, it copies the parsed parts. Nil when
    /// the URL did not parse (libcurl then gets the string and reports the error itself).
    private let parsedURL: OpaquePointer?
    /// The multi handle of this connection's blocking transfers (see `runBlocking`); its connection cache keeps the
    /// connection between requests. Nil if libcurl could not make one (then `curl_easy_perform` runs them).
    private let multi: UnsafeMutableRawPointer?
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
        parsedURL = curl_url()
        multi = curl_multi_init()
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
        if let multi { curl_multi_cleanup(multi) }
        curl_url_cleanup(parsedURL)
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
        headers.removeAll()
        // Without this, curl waits for "100 Continue" on bodies over 1 KiB.
        requestHeaders.append(line: "Expect:")
        // No `Accept: */*` (it says nothing): libcurl formats each header byte by byte (~90 instructions a byte).
        requestHeaders.append(line: "Accept:")
        if url != currentURL { use(url: url) }
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

    /// Points the handle at `url`: the string (for libcurl's own messages) and, when it parses, its parsed form.
    private func use(url: String) {
        bs_curl_setopt_pointer(handle, CURLOPT_URL, url)
        // The flags libcurl itself parses a URL string with.
        let flags = UInt32(CURLU_GUESS_SCHEME) | UInt32(CURLU_NON_SUPPORT_SCHEME)
        if let parsedURL, curl_url_set(parsedURL, CURLUPART_URL, url, flags) == CURLUE_OK {
            bs_curl_setopt_pointer(handle, CURLOPT_CURLU, UnsafeRawPointer(parsedURL))
        } else {
            bs_curl_setopt_pointer(handle, CURLOPT_CURLU, nil)
        }
        currentURL = url
    }

    /// Runs the prepared request on this thread (blocking until its reply or its timeout) and ends it.
    func performPrepared() -> Result<Exchange, TransportError> {
        finish(runBlocking())
    }

    /// The transfer of the prepared request in this connection's own multi handle: what `curl_easy_perform` does
    /// (it, too, runs a multi handle of the easy handle's own, which keeps the connection between requests), without
    /// its `poll` before the transfer has started (one system call fewer per request) or its wake-up descriptor.
    private func runBlocking() -> CURLcode {
        guard let multi else { return curl_easy_perform(handle) }
        guard curl_multi_add_handle(multi, handle) == CURLM_OK else { return CURLE_FAILED_INIT }
        defer { curl_multi_remove_handle(multi, handle) }
        while true {
            var running: Int32 = 0
            guard curl_multi_perform(multi, &running) == CURLM_OK else { return CURLE_BAD_FUNCTION_ARGUMENT }
            if running == 0 {
                var queued: Int32 = 0
                while let message = curl_multi_info_read(multi, &queued) {
                    if message.pointee.msg == CURLMSG_DONE { return message.pointee.data.result }
                }
                return CURLE_FAILED_INIT
            }
            // libcurl shortens the wait to its own next timeout (the request's deadline, a connect step).
            guard curl_multi_wait(multi, nil, 0, 1000, nil) == CURLM_OK else { return CURLE_BAD_FUNCTION_ARGUMENT }
        }
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
        return .success(Exchange(status: status, body: body, replyHeaders: headers))
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
    // The lines are kept as they are and read on demand (`ReplyHeaders`).
    let bytes = UnsafeRawBufferPointer(start: data, count: length).bindMemory(to: UInt8.self)
    if length >= 5 && bytes[0] == UInt8(ascii: "H") && bytes[1] == UInt8(ascii: "T") && bytes[4] == UInt8(ascii: "/") {
        connection.headers.removeAll()  // a new response (after 1xx) starts
        return length
    }
    connection.headers.append(line: bytes)
    return length
}
