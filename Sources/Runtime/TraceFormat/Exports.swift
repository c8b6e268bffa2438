// The event model is a pure target of its own (so the protocol's typed events can depend on it without file IO);
// every user of the trace files sees it through this module as before.
@_exported import TraceModel
