import Causality
import TraceFormat

extension RequestContext {
    /// Records an event carrying `payload` in this request's trace; returns the node's clock after it.
    @discardableResult
    public func record<P: TraceEventPayload>(_ payload: P) -> VectorClock {
        recorder.record(payload, context: trace)
    }
}
