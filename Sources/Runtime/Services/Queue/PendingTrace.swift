import QueueStore
import RPC
import TraceFormat

/// The trace records of one queue change, held back until the change is durable.
///
/// A record written before the write-ahead log holds its change can outlive that change: a `kill -9` between the
/// two leaves a trace that says "committed" for a commit the restarted queue never saw, and the executor's retry
/// then shows as a second commit. `QueueService.mutate` hands these records to the log, which runs them in the
/// state's order once the change is on disk (see `QueueStore.append(_:then:)`).
struct PendingTrace {
    let context: RequestContext
    private(set) var effects: [QueueStore.Effect] = []

    init(_ context: RequestContext) {
        self.context = context
    }

    /// Holds back a record of `payload` in the request's trace.
    mutating func record<P: TraceEventPayload>(_ payload: P) {
        record(payload, in: context)
    }

    /// Holds back a record of `payload` in the trace of another request this change answers (a held lease request
    /// an enqueue leases its order to).
    mutating func record<P: TraceEventPayload>(_ payload: P, in context: RequestContext) {
        effects.append { context.record(payload) }
    }

    /// Records everything held back, now.
    func recordNow() {
        for effect in effects { effect() }
    }
}
