import Checkout
import ClusterProtocol
import Foundation
import RPC
import TraceFormat

/// Transaction Verification: `verify(OrderEnvelope) -> VerificationResult`, every failed check reported.
public struct VerificationService: Sendable {
    public let verifier: TransactionVerifier
    /// Today's year and month (injected so tests can fix the date).
    public let today: @Sendable () -> CalendarDate

    public init(
        verifier: TransactionVerifier = TransactionVerifier(),
        today: @escaping @Sendable () -> CalendarDate = CalendarDate.utcNow
    ) {
        self.verifier = verifier
        self.today = today
    }

    public func register(into router: inout Router) {
        let verifier = self.verifier
        let today = self.today
        let verify: @Sendable (OrderEnvelope, RequestContext) -> VerificationResult = { envelope, context in
            let result = verifier.verify(envelope.order, today: today())
            if !result.valid {
                context.logger.info(
                    "order failed verification",
                    metadata: [
                        "order_id": .string(envelope.orderId),
                        "failures": .string(result.failures.map(\.code).joined(separator: ",")),
                    ])
            }
            return result
        }
        router.register(VerificationRPC.verify, handler: verify)
        router.registerBatch(VerificationRPC.verifyBatch, item: verify)
    }
}

extension CalendarDate {
    /// The current UTC year and month from the system clock.
    @Sendable public static func utcNow() -> CalendarDate {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return CalendarDate(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1)
    }
}
