import CCurl
import Foundation

/// A libcurl multi handle: runs several prepared `CurlConnection`s at once on the calling thread, with no other
/// thread involved. Used by one thread at a time; kept in `CurlMulti.pool` between uses, because a multi handle keeps
/// the connections its transfers opened (libcurl's connection cache is the multi handle's while a transfer is in it),
/// so the next use of the same multi handle reuses them.
final class CurlMulti {
    private let handle: UnsafeMutableRawPointer

    /// Idle multi handles of the process.
    static let pool = CurlMultiPool()

    init() {
        _ = CurlConnection.globalInit
        handle = curl_multi_init()
    }

    deinit {
        curl_multi_cleanup(handle)
    }

    /// Runs the transfers of `connections` (each prepared, see `CurlConnection.prepare`) until every one ended, and
    /// calls `done(index, code)` once for each, on this thread, as soon as it ends (so a caller can record each
    /// reply when it arrives). Each transfer's own timeout ends it (`CURLE_OPERATION_TIMEDOUT`); `hardStop`
    /// (monotonic nanoseconds) is a bound over all of them in case libcurl does not: a transfer still running then
    /// ends as timed out.
    func run(_ connections: [CurlConnection], hardStop: UInt64, done: (Int, CURLcode) -> Void) {
        var running: [UnsafeMutableRawPointer?] = connections.map { $0.easyHandle }
        for (index, easy) in running.enumerated() {
            guard let easy else { continue }
            let added = curl_multi_add_handle(handle, easy)
            if added != CURLM_OK {
                running[index] = nil
                done(index, CURLE_FAILED_INIT)
            }
        }
        var left = running.count { $0 != nil }
        while left > 0 {
            var active: Int32 = 0
            let performed = curl_multi_perform(handle, &active)
            left -= collectFinished(&running, done: done)
            guard left > 0 else { break }
            let now = MonotonicClock.nanos()
            guard performed == CURLM_OK, now < hardStop else {
                abandon(&running, code: performed == CURLM_OK ? CURLE_OPERATION_TIMEDOUT : CURLE_FAILED_INIT, done)
                return
            }
            // libcurl shortens the wait to its own next timeout (a transfer's deadline, a connect step).
            let wait = Int32(clamping: min((hardStop - now) / 1_000_000 + 1, 1000))
            _ = curl_multi_poll(handle, nil, 0, wait, nil)
        }
    }

    /// Takes the transfers libcurl reports as ended out of the multi handle; returns how many.
    private func collectFinished(
        _ running: inout [UnsafeMutableRawPointer?], done: (Int, CURLcode) -> Void
    ) -> Int {
        var finished = 0
        var queued: Int32 = 0
        while let message = curl_multi_info_read(handle, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let index = running.firstIndex(where: { $0 == easy }) else { continue }
            curl_multi_remove_handle(handle, easy)
            running[index] = nil
            finished += 1
            done(index, code)
        }
        return finished
    }

    /// Ends every transfer still running with `code`.
    private func abandon(
        _ running: inout [UnsafeMutableRawPointer?], code: CURLcode, _ done: (Int, CURLcode) -> Void
    ) {
        for (index, easy) in running.enumerated() {
            guard let easy else { continue }
            curl_multi_remove_handle(handle, easy)
            running[index] = nil
            done(index, code)
        }
    }
}

/// Idle multi handles. A multi handle is used by one thread at a time (taken, then put back).
///
/// `@unchecked Sendable` is sound for the same reason as `ConnectionPool`'s: `idle` is only touched inside
/// `lock.withLock`, and a `CurlMulti` passes from one thread to the next only through it.
final class CurlMultiPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [CurlMulti] = []

    func take() -> CurlMulti { lock.withLock { idle.popLast() } ?? CurlMulti() }
    func put(_ multi: CurlMulti) { lock.withLock { idle.append(multi) } }
}
