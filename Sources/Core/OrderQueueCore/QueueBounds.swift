import Checkout
import Election

/// The bounds the Order Queue puts on what it accepts, on the wire and from its own disk alike: a value refused
/// on the wire must never come back from the write-ahead log.
public enum QueueBounds {
    /// Longest order id, in bytes; ids are ASCII letters, digits, `-`, `_`, `.` and `:`.
    public static let maxOrderIdLength = 64
    /// Most order lines of a ticket.
    public static let maxItems = 100
    /// Longest free-text field of a ticket (item name, shipping method, country, trace id), in UTF-8 bytes.
    public static let maxFieldBytes = 4_096
    /// Largest absolute quantity of one order line.
    public static let maxQuantity = 1_000_000
    /// Highest epoch term accepted (2^53: exact in every JSON number implementation).
    public static let maxTerm: UInt64 = 1 << 53
    /// Executor ids and lease slots are small non-negative numbers.
    public static let maxExecutorId = 1 << 20
    public static let maxSlot = 1_024
    /// Longest wait a lease request may ask for (`LeaseRequest.waitMs`), in milliseconds.
    public static let maxLeaseWaitMs = 30_000
    /// Most orders one lease request may take (`LeaseRequest.batch`), and so most orders one ack may settle.
    public static let maxLeaseBatch = 64

    /// Nil when `orderId` is acceptable, else why not.
    public static func problem(orderId: String) -> String? {
        let bytes = orderId.utf8
        guard !bytes.isEmpty else { return "orderId must not be empty" }
        guard bytes.count <= maxOrderIdLength else { return "orderId is longer than \(maxOrderIdLength) bytes" }
        return bytes.allSatisfy(isOrderIdByte) ? nil : orderIdCharacters
    }

    static let orderIdCharacters = "orderId may hold only letters, digits, '-', '_', '.' and ':'"

    /// True for the bytes an order id may hold (ASCII letters, digits, `-`, `_`, `.`, `:`).
    @inlinable
    public static func isOrderIdByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A
    }

    /// Nil when `ticket` is acceptable, else why not.
    public static func problem(ticket: OrderTicket) -> String? {
        if let problem = problem(orderId: ticket.orderId) { return problem }
        guard ticket.items.count <= maxItems else { return "a ticket has at most \(maxItems) items" }
        for item in ticket.items {
            if let name = item.name, name.utf8.count > maxFieldBytes { return "an item name is too long" }
            if let quantity = item.quantity, quantity < -maxQuantity || quantity > maxQuantity {
                return "an item quantity is out of range (±\(maxQuantity))"
            }
        }
        for field in [ticket.shippingMethod, ticket.country, ticket.traceId] {
            if let field, field.utf8.count > maxFieldBytes {
                return "a ticket field is longer than \(maxFieldBytes) bytes"
            }
        }
        if let span = ticket.parentSpanId, !isSpanID(span) {
            return "parentSpanId must be 16 lowercase hex digits, not all zero"
        }
        return nil
    }

    /// True when `text` is a W3C span id: exactly 16 lowercase hex digits, not all zero.
    public static func isSpanID(_ text: String) -> Bool {
        let bytes = text.utf8
        return bytes.count == 16 && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
            && !bytes.allSatisfy { $0 == 0x30 }
    }

    /// Nil when `epoch` is in range (term ≤ 2^53, leader a plausible executor id), else why not.
    public static func problem(epoch: Epoch) -> String? {
        guard epoch.term <= maxTerm else { return "epoch term \(epoch.term) is beyond \(maxTerm)" }
        guard epoch.leader >= 0 && epoch.leader <= maxExecutorId else { return "epoch leader is out of range" }
        return nil
    }

    /// Nil when `id` is a plausible executor id.
    public static func problem(executor id: Int) -> String? {
        id >= 0 && id <= maxExecutorId ? nil : "executor id \(id) is out of range"
    }
}
