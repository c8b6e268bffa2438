/// What the Order Queue and the executors get of an approved order: its id and what ordering and execution need
/// (items, shipping method, country), never the card number, CVV or the customer's contact details.
public struct OrderTicket: Codable, Sendable, Equatable {
    /// The order id the orchestrator generated (not the client's trace id).
    public var orderId: String
    public var items: [CheckoutRequest.Item]
    /// As the customer chose it ("Standard" | "Express" | "Next-Day"), for priority.
    public var shippingMethod: String?
    /// The shipping country (the shipping address's, else the billing address's), for priority.
    public var country: String?
    /// The checkout's W3C trace id, so that the executors' work joins the order's trace.
    public var traceId: String?

    public init(
        orderId: String, items: [CheckoutRequest.Item], shippingMethod: String?, country: String?,
        traceId: String? = nil
    ) {
        self.orderId = orderId
        self.traceId = traceId
        self.items = items
        self.shippingMethod = shippingMethod
        self.country = country
    }

    /// The ticket of an approved `order`: card and contact data stay behind.
    public init(orderId: String, order: CheckoutRequest, traceId: String? = nil) {
        self.init(
            orderId: orderId, items: order.items ?? [], shippingMethod: order.shippingMethod,
            country: order.shippingCountry, traceId: traceId)
    }
}
