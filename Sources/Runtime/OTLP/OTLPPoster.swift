import CCurl
import CShims
import Foundation

/// POSTs OTLP/JSON bodies to a collector's `/v1/traces` with libcurl: one keep-alive connection, used by one thread
/// at a time (the live exporter's, or `trace-analyzer export --otlp-endpoint`), every request bounded by a deadline.
public final class OTLPPoster {
    private let handle: UnsafeMutableRawPointer
    private let url: String
    private let timeoutMilliseconds: Int
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// - Parameter url: the full `/v1/traces` URL.
    public init(url: String, timeoutMilliseconds: Int) {
        _ = Self.globalInit
        self.url = url
        self.timeoutMilliseconds = max(1, timeoutMilliseconds)
        handle = curl_easy_init()
        bs_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        bs_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        bs_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // The reply (an ExportTraceServiceResponse) is not needed: discard it.
        bs_curl_setopt_write_function(handle, discardBody)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends `body`; nil on a 2xx reply, else why not.
    public func post(_ body: [UInt8]) -> String? {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        list = curl_slist_append(list, "Content-Type: application/json")
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        bs_curl_setopt_pointer(handle, CURLOPT_URL, url)
        bs_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
        bs_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        bs_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, 1000))
        errorBuffer[0] = 0
        let code: CURLcode = body.withUnsafeBytes { buffer in
            bs_curl_setopt_long(handle, CURLOPT_POST, 1)
            bs_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
            bs_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
            defer { bs_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil) }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        }
        var status = 0
        bs_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (200..<300).contains(status) ? nil : "HTTP \(status) from \(url)"
    }
}

private func discardBody(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
    size * count
}
