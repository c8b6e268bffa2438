/// The bounds a `JSONReader` enforces on untrusted bytes. Exceeding one is a final refusal
/// (`WireDecodingError.limit`), never a fall back to another decoder.
public struct WireLimits: Sendable, Hashable {
    /// Most bytes in one message (the RPC server's default body limit).
    public var maxBytes: Int
    /// Deepest nesting of objects and arrays.
    public var maxDepth: Int
    /// Longest string, in UTF-8 bytes as written on the wire.
    public var maxStringBytes: Int
    /// Most elements in one array.
    public var maxArrayCount: Int

    /// The defaults refuse nothing a client of the checkout contract sends today: a body is at most 1 MiB (the RPC
    /// server's limit), a 300,000-character comment or 10,000 order lines are bad orders that verification
    /// rejects with reasons, not malformed messages; only the nesting bound (64, the real messages nest 3 deep)
    /// refuses JSON that Foundation (which stops at 512) would read.
    public init(
        maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxStringBytes: Int = 1 << 20, maxArrayCount: Int = 100_000
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxArrayCount = maxArrayCount
    }

    /// The limits described on each property.
    public static let `default` = WireLimits()
}

/// Why a `JSONReader` did not produce a value.
public enum WireDecodingError: Error, Sendable, Equatable {
    /// The fast reader does not take this input (malformed JSON, a type mismatch, a missing field, a number or
    /// form it leaves to the reference decoder). The caller decodes with the reference decoder (Foundation),
    /// which produces the value or the error message: the fast path never changes what is accepted.
    case unsupported
    /// A bound of `WireLimits` was exceeded: refuse the message; the text says which bound.
    case limit(String)
}

/// The outcome of a fast decode.
public enum WireDecoding<Value> {
    /// The value, exactly as the reference decoder would produce it.
    case decoded(Value)
    /// Decode with the reference decoder instead (it accepts or refuses, with its own message).
    case fallback
    /// Refused: a bound of `WireLimits` was exceeded.
    case refused(String)

    /// The value when decoded, else nil.
    public var value: Value? {
        if case .decoded(let value) = self { return value }
        return nil
    }
}
