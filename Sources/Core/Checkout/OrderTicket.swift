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
    /// The span of the enqueue call that carried this ticket to the queue (16 lowercase hex digits): the producer
    /// span the executors' consumer span is a child of, so that an order's trace has one root. Optional: tickets
    /// from older orchestrators and write-ahead logs have none.
    public var parentSpanId: String?

    public init(
        orderId: String, items: [CheckoutRequest.Item], shippingMethod: String?, country: String?,
        traceId: String? = nil, parentSpanId: String? = nil
    ) {
        self.orderId = orderId
        self.traceId = traceId
        self.parentSpanId = parentSpanId
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
