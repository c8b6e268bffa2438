import Causality
import Foundation
import Logging
import TraceFormat

/// What a handler knows about the request it serves, and how it records into the trace.
public struct RequestContext: Sendable {
    /// This server-side span (its parent is the caller's span).
    public let trace: TraceContext
    /// The JSON-RPC method or the route (`POST /checkout`).
    public let operation: String
    /// The calling node, when it said.
    public let peer: String?
    /// When the caller stops waiting, if it said (monotonic nanoseconds, see `MonotonicClock`).
    public let deadlineNanos: UInt64?
    /// The node's recorder: clock and trace file.
    public let recorder: TraceRecorder
    /// The node's logger; `logger` adds this request's trace and span ids.
    private let baseLogger: Logger

    /// A logger whose records carry this request's trace id. Built on use: most requests never log, and
    /// adding metadata to every request's logger showed in profiles.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "trace_id"] = .string(trace.traceID)
        logger[metadataKey: "span_id"] = .string(trace.spanID)
        return logger
    }

    /// The level the node's logger lets through (read without building the request's logger).
    public var logLevel: Logger.Level { baseLogger.logLevel }

    /// Logs `message` with `metadata` and this request's trace and span ids, through the node's logger: the same
    /// record as `logger.log`, without making a logger with the ids for it.
    public func log(level: Logger.Level, _ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata) {
        guard baseLogger.logLevel <= level else { return }
        var metadata = metadata
        metadata["trace_id"] = .string(trace.traceID)
        metadata["span_id"] = .string(trace.spanID)
        baseLogger.log(level: level, message(), metadata: metadata)
    }

    public init(
        trace: TraceContext, operation: String, peer: String?, deadlineNanos: UInt64?, recorder: TraceRecorder,
        logger: Logger
    ) {
        self.trace = trace
        self.operation = operation
        self.peer = peer
        self.deadlineNanos = deadlineNanos
        self.recorder = recorder
        self.baseLogger = logger
    }

    /// Records an event of a kind without a typed payload (tests, experiments) in this request's trace; returns the
    /// node's clock after it. Kinds with a payload are recorded with `record(_ payload:)`.
    @discardableResult
    public func record(_ kind: EventKind, data: [String: TraceValue] = [:]) -> VectorClock {
        recorder.record(kind, context: trace, data: data)
    }

    /// This request's context with `trace` as its span: one item of a batch, logged in its own checkout's trace.
    public func inTrace(_ trace: TraceContext) -> RequestContext {
        RequestContext(
            trace: trace, operation: operation, peer: peer, deadlineNanos: deadlineNanos, recorder: recorder,
            logger: baseLogger)
    }

    /// Runs `body` inside a child span, recording its start and end.
    public func span<T>(_ name: String, _ body: (RequestContext) throws -> T) rethrows -> T {
        let child = trace.child()
        let context = RequestContext(
            trace: child, operation: operation, peer: peer, deadlineNanos: deadlineNanos, recorder: recorder,
            logger: baseLogger)
        let start = MonotonicClock.nanos()
        recorder.record(SpanStart(name: name), context: child)
        do {
            let result = try body(context)
            recorder.record(
                SpanEnd(name: name, status: "ok", durationNanos: Int64(MonotonicClock.nanos() - start)), context: child)
            return result
        } catch {
            recorder.record(
                SpanEnd(
                    name: name, status: "error", error: "\(error)", durationNanos: Int64(MonotonicClock.nanos() - start)
                ),
                context: child)
            throw error
        }
    }

    /// Milliseconds left before the caller's deadline (nil when none was given).
    public var remainingMilliseconds: Int64? {
        deadlineNanos.map { (Int64(bitPattern: $0) - Int64(bitPattern: MonotonicClock.nanos())) / 1_000_000 }
    }
}

/// Monotonic time for deadlines and durations.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC).
    public static func nanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
