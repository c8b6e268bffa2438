/// The bounds `TransactionVerifier` enforces. The defaults suit a bookstore: nobody buys 101 copies of one
/// title through the web shop, and no honest field is a thousand characters long.
public struct VerificationLimits: Sendable, Hashable {
    /// Most order lines (entries in `items`).
    public var maxItemLines: Int
    /// Most copies on one line.
    public var maxQuantityPerItem: Int
    /// Most copies over all lines.
    public var maxTotalQuantity: Int
    /// Longest value of any short field (names, addresses, card fields, device details…), in characters.
    public var maxFieldLength: Int
    /// Longest free text (`userComment`, `giftMessage`), in characters.
    public var maxCommentLength: Int
    /// Most entries in `notificationPreferences`.
    public var maxListEntries: Int
    /// How many years ahead an expiry date may lie (issuers print at most about ten).
    public var maxExpiryYearsAhead: Int
    /// Accepted `shippingMethod` values, lowercased.
    public var shippingMethods: Set<String>

    public init(
        maxItemLines: Int = 50, maxQuantityPerItem: Int = 100, maxTotalQuantity: Int = 500,
        maxFieldLength: Int = 1_000, maxCommentLength: Int = 2_000, maxListEntries: Int = 20,
        maxExpiryYearsAhead: Int = 20, shippingMethods: Set<String> = ["standard", "express", "next-day"]
    ) {
        self.maxItemLines = maxItemLines
        self.maxQuantityPerItem = maxQuantityPerItem
        self.maxTotalQuantity = maxTotalQuantity
        self.maxFieldLength = maxFieldLength
        self.maxCommentLength = maxCommentLength
        self.maxListEntries = maxListEntries
        self.maxExpiryYearsAhead = maxExpiryYearsAhead
        self.shippingMethods = shippingMethods
    }

    /// The limits described on each property.
    public static let `default` = VerificationLimits()
}
