import Causality

extension TraceRecorder {
    /// Records one event carrying `payload` (its kind and `data`): the typed form of
    /// `record(_:context:merging:data:)`, which every writer of a known kind uses.
    @discardableResult
    public func record<P: TraceEventPayload>(
        _ payload: P, context: TraceContext? = nil, merging remote: VectorClock? = nil
    ) -> VectorClock {
        // Tracing off: the clock still ticks, but no event is made, so its fields are not built either. A
        // `TraceFieldsPayload` is kept as it is: no dictionary, the writer encodes it straight to bytes.
        let fields = recordsEvents ? payload.recordedFields : TraceEventFields([:])
        return record(P.kind, context: context, merging: remote, fields: fields)
    }
}
