import TraceFormat

/// Rebuilds spans from one process's events as they are recorded, with `SpanAssembler`'s rules: an opening event
/// opens a span, its closing event completes it, events between become its events, and an event of a span that
/// is not open is a span of its own. Pure and bounded: at most `maximumOpenSpans` open spans (the oldest is
/// dropped past that) and `maximumEventsPerSpan` events each; events of a span completed moments ago (among the
/// last `rememberedClosed`) are dropped rather than made into spans of their own.
public struct LiveSpanAssembler: Sendable {
    public var maximumOpenSpans: Int
    public var maximumEventsPerSpan: Int
    public var rememberedClosed: Int

    private struct Key: Hashable {
        var node: String
        var span: String
    }

    private struct Open {
        var events: [TraceEvent]
        var order: UInt64
    }

    private var open: [Key: Open] = [:]
    private var opened: UInt64 = 0
    private var closed: [Key] = []
    private var closedSet: Set<Key> = []
    private var closedNext = 0

    /// Spans dropped because too many were open.
    public private(set) var spansDropped = 0
    /// Events dropped: past a span's event limit, or of a span already completed.
    public private(set) var eventsDropped = 0

    public init(maximumOpenSpans: Int = 4096, maximumEventsPerSpan: Int = 256, rememberedClosed: Int = 4096) {
        self.maximumOpenSpans = max(1, maximumOpenSpans)
        self.maximumEventsPerSpan = max(2, maximumEventsPerSpan)
        self.rememberedClosed = max(1, rememberedClosed)
    }

    /// The number of spans open now.
    public var openCount: Int { open.count }

    /// Takes one event; returns the spans it completed (none, or one).
    public mutating func on(_ event: TraceEvent) -> [AssembledSpan] {
        guard HexID.isValid(event.traceID, length: 32), HexID.isValid(event.spanID, length: 16) else { return [] }
        let key = Key(node: event.node, span: event.spanID!)
        if SpanAssembler.opens(event) && open[key] == nil {
            if open.count >= maximumOpenSpans { dropOldest() }
            opened &+= 1
            open[key] = Open(events: [event], order: opened)
            return []
        }
        guard var span = open[key] else {
            if closedSet.contains(key) {
                eventsDropped += 1
                return []
            }
            return [SpanAssembler.span(traceID: event.traceID!, events: [event])]
        }
        let start = span.events[0]
        if SpanAssembler.closes(event, opened: start) {
            open[key] = nil
            remember(key)
            span.events.append(event)
            return [SpanAssembler.span(traceID: start.traceID!, events: span.events)]
        }
        if span.events.count >= maximumEventsPerSpan - 1 {
            eventsDropped += 1
        } else {
            span.events.append(event)
            open[key] = span
        }
        return []
    }

    /// Every span still open, as incomplete spans (at stop), oldest first; the assembler is empty afterwards.
    public mutating func drain() -> [AssembledSpan] {
        let spans = open.values.sorted { $0.order < $1.order }.map {
            SpanAssembler.span(traceID: $0.events[0].traceID!, events: $0.events)
        }
        open = [:]
        return spans
    }

    private mutating func dropOldest() {
        guard let oldest = open.min(by: { $0.value.order < $1.value.order })?.key else { return }
        open[oldest] = nil
        remember(oldest)
        spansDropped += 1
    }

    private mutating func remember(_ key: Key) {
        if closed.count < rememberedClosed {
            closed.append(key)
        } else {
            closedSet.remove(closed[closedNext])
            closed[closedNext] = key
            closedNext = (closedNext + 1) % rememberedClosed
        }
        closedSet.insert(key)
    }
}
