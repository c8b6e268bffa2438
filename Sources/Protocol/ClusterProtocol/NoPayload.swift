/// The params or the result of a method that takes or returns nothing: `{}` on the wire (any object is accepted
/// when decoding).
public struct NoPayload: Codable, Sendable, Equatable {
    public init() {}
}
