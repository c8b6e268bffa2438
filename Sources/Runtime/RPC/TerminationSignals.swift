import Foundation

/// Clean shutdown on SIGINT/SIGTERM: block the signals in every thread (call `block()` first thing in
/// `main`, before any server or writer thread starts), then `wait()` for one on the main thread.
public enum TerminationSignals {
    /// Blocks SIGINT and SIGTERM for this thread and every thread started after it; ignores SIGPIPE.
    public static func block() {
        signal(SIGPIPE, SIG_IGN)
        var set = signals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until SIGINT or SIGTERM arrives; returns the signal number.
    public static func wait() -> Int32 {
        var set = signals()
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }

    private static func signals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }
}
