import Services

/// When the supervisor restarts a service that exited unexpectedly: after `backoffMs`, doubling with each
/// restart in the window up to `maxBackoffMs`; after `maxRestarts` restarts within `windowSeconds` it gives up.
/// Pure: the caller passes the time.
public struct RestartPolicy: Sendable {
    /// What to do about one unexpected exit.
    public enum Decision: Sendable, Equatable {
        /// Start it again after `delayMs`; `restarts` counts this one within the window.
        case restart(delayMs: Int, restarts: Int)
        /// Stop trying; `restarts` were made within the window.
        case giveUp(restarts: Int)
    }

    public let settings: SupervisionSettings
    /// Per service: the times (ns) of its restarts within the window.
    private var history: [String: [UInt64]] = [:]

    public init(settings: SupervisionSettings) { self.settings = settings }

    /// `service` exited unexpectedly at `now` (monotonic nanoseconds).
    public mutating func onExit(_ service: String, now: UInt64) -> Decision {
        let window = UInt64(clamping: min(max(1, settings.windowSeconds), 86_400)) * 1_000_000_000
        var recent = history[service, default: []].filter { now < window || $0 > now - window }
        guard recent.count < max(0, settings.maxRestarts) else {
            history[service] = recent
            return .giveUp(restarts: recent.count)
        }
        let base = min(max(1, settings.backoffMs), 600_000)
        let ceiling = min(max(base, settings.maxBackoffMs), 600_000)
        var delay = base
        for _ in 0..<recent.count where delay < ceiling { delay = min(ceiling, delay * 2) }
        recent.append(now)
        history[service] = recent
        return .restart(delayMs: delay, restarts: recent.count)
    }
}
