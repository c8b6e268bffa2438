/// `queue.enqueue` result: stored, or already known (enqueue is idempotent by order id).
///
/// On the wire (the spelling of the earlier struct): `{"stored":true,"position":0,"depth":3}`, and for a known id
/// `{"stored":false,"position":-1,"depth":3}`. A stored reply with a negative position is refused when decoded.
public enum EnqueueReply: Sendable, Equatable {
    /// Stored: `position` orders are served before it (0 = next); `depth` orders wait now.
    case stored(position: Int, depth: Int)
    /// The order id was already known (waiting, leased or committed): nothing changed.
    case duplicate(depth: Int)

    /// True when this call stored the order.
    public var isStored: Bool {
        if case .stored = self { return true }
        return false
    }

    /// Orders waiting after the call.
    public var depth: Int {
        switch self {
        case .stored(_, let depth), .duplicate(let depth): depth
        }
    }
}

extension EnqueueReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case stored, position, depth
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let depth = try container.decode(Int.self, forKey: .depth)
        guard try container.decode(Bool.self, forKey: .stored) else {
            self = .duplicate(depth: depth)
            return
        }
        let position = try container.decode(Int.self, forKey: .position)
        guard position >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .position, in: container, debugDescription: "a stored order has a position of 0 or more")
        }
        self = .stored(position: position, depth: depth)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .stored(let position, let depth):
            try container.encode(true, forKey: .stored)
            try container.encode(position, forKey: .position)
            try container.encode(depth, forKey: .depth)
        case .duplicate(let depth):
            try container.encode(false, forKey: .stored)
            try container.encode(-1, forKey: .position)
            try container.encode(depth, forKey: .depth)
        }
    }
}
