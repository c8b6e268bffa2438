import TraceModel

/// Fields that several event kinds carry alike (`LeaseEnd`, `QueueAck`), read and written as one piece.
public protocol PayloadPart: Sendable, Equatable {
    /// The fields, as they stand in an event's `data`.
    func encoded() -> [String: TraceValue]
    /// Reads the fields from an event's `data`.
    init(decoding fields: PayloadFields) throws(PayloadError)
}

/// A payload that is one `PayloadPart` and nothing else: several kinds, one spelling of their `data`.
public protocol PartPayload: TraceEventPayload {
    associatedtype Part: PayloadPart
    /// The shared fields.
    var part: Part { get }
    init(_ part: Part)
}

extension PartPayload {
    public func encoded() -> [String: TraceValue] { part.encoded() }
    public init(decoding fields: PayloadFields) throws(PayloadError) { self.init(try Part(decoding: fields)) }
}
