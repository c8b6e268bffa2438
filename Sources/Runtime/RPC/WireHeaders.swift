/// Names of the HTTP headers that carry the cluster's metadata on every request and reply.
public enum WireHeader {
    /// W3C trace context of the caller's span.
    public static let traceparent = "traceparent"
    /// The sender's vector clock after its send (request) or reply event, as a flat JSON object.
    public static let vectorClock = "x-vector-clock"
    /// Pairs a send with its receive and reply in the traces.
    public static let messageID = "x-message-id"
    /// The sending node's id.
    public static let sender = "x-sender"
    /// The time the caller still gives this call, in milliseconds.
    public static let deadline = "x-deadline-ms"
}
