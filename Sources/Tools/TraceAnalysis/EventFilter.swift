import ClusterProtocol
import Foundation
import TraceFormat

/// A wall-time bound for `--from` / `--to`: absolute (unix ns or ISO-8601) or an offset from the run's start.
public enum TimeBound: Sendable, Equatable {
    case absolute(Int64)
    case offset(Int64)

    /// Parses `1795862035879078005` (unix ns), `2026-11-28T10:34:00.5Z` (ISO-8601) or `+1.5s` / `+250ms`.
    public init?(parsing text: String) {
        if text.hasPrefix("+") {
            let body = text.dropFirst()
            let (number, scale): (Substring, Double) =
                body.hasSuffix("ms")
                ? (body.dropLast(2), 1e6) : body.hasSuffix("s") ? (body.dropLast(), 1e9) : (body, 1e9)
            guard let value = Double(number), value.isFinite else { return nil }
            self = .offset(Int64(value * scale))
        } else if let nanos = Int64(text) {
            self = .absolute(nanos)
        } else {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let plain = ISO8601DateFormatter()
            guard let date = formatter.date(from: text) ?? plain.date(from: text) else { return nil }
            self = .absolute(Int64(date.timeIntervalSince1970 * 1e9))
        }
    }

    func resolve(start: Int64) -> Int64 {
        switch self {
        case .absolute(let nanos): return nanos
        case .offset(let nanos): return start + nanos
        }
    }
}

/// Selects events: `--node`, `--order`, `--from`/`--to` (wall time) and `--limit`.
public struct EventFilter: Sendable {
    public var nodes: Set<String> = []
    /// An order id or a prefix of one (at least 4 characters).
    public var order: String?
    public var from: TimeBound?
    public var to: TimeBound?
    /// At most this many matching events.
    public var limit: Int?

    public init(
        nodes: Set<String> = [], order: String? = nil, from: TimeBound? = nil, to: TimeBound? = nil,
        limit: Int? = nil
    ) {
        self.nodes = nodes
        self.order = order
        self.from = from
        self.to = to
        self.limit = limit
    }

    /// True when the filter restricts which events are read (so a check of them is partial).
    public var restrictsEvents: Bool { from != nil || to != nil || limit != nil }

    /// The order id of an event: its payload's `order`, for the kinds about one order.
    public static func orderID(of event: TraceEvent) -> String? {
        ProtocolEvent.order(of: event)
    }

    /// True when `event` belongs to `order` (its trace or its payload's `order`, prefix match).
    public static func belongs(_ event: TraceEvent, to order: String) -> Bool {
        if let trace = event.traceID, trace.hasPrefix(order) { return true }
        if let id = orderID(of: event), id.hasPrefix(order) { return true }
        return false
    }

    /// True when `event` passes the node, order and time conditions (`start` resolves `+offset` bounds).
    public func matches(_ event: TraceEvent, start: Int64) -> Bool {
        if !nodes.isEmpty && !nodes.contains(event.node) { return false }
        if let order, !Self.belongs(event, to: order) { return false }
        if let from, event.wallTimeNanos < from.resolve(start: start) { return false }
        if let to, event.wallTimeNanos > to.resolve(start: start) { return false }
        return true
    }

    /// True when `event` passes the time conditions only.
    public func inTimeWindow(_ event: TraceEvent, start: Int64) -> Bool {
        if let from, event.wallTimeNanos < from.resolve(start: start) { return false }
        if let to, event.wallTimeNanos > to.resolve(start: start) { return false }
        return true
    }
}

/// Progress on stderr for long runs, only when stderr is a terminal.
public final class ProgressReporter {
    private let enabled: Bool
    private var next = 1_000_000
    private var shown = false

    public init(enabled: Bool = isatty(2) != 0) { self.enabled = enabled }

    /// Call once per event with the running count.
    @inline(__always) public func tick(_ count: Int) {
        guard enabled, count >= next else { return }
        next += 1_000_000
        shown = true
        FileHandle.standardError.write(Data("\rread \(count / 1_000_000)M events…".utf8))
    }

    /// Clears the progress line.
    public func done() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
