/// A failed call to one of the checkout's services, as the checkout flow reads it.
///
/// The runtime's RPC error conforms (in Services), so the flow stays free of the RPC layer while the failure's
/// wording keeps its one definition there. Any other error reaching the flow counts as an internal error.
public protocol ServiceCallFailure: Error, Sendable, CustomStringConvertible {
    /// The service called, as its client names it (e.g. "fraud").
    var peer: String { get }
    /// The method called (e.g. "assess").
    var method: String { get }
    /// True when the service gave no reply before the call's deadline.
    var timedOut: Bool { get }
    /// The service's own message when it refused because it is at a bound (a full queue), else nil.
    var overloadedMessage: String? { get }
    /// The failure as a sentence about `subject` (the service as the checkout names it).
    func problem(subject: String) -> String
}
