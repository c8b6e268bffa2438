import Checkout
import Foundation
import FuzzSupport

@testable import Services

/// The `POST /checkout` body as the orchestrator reads it, then what the services compute from an accepted
/// order: any bytes, no crash; a refusal has a message; an accepted order survives a JSON round trip, and
/// verification, the fraud rules, the model's features and the queue's ticket all accept it without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = Data(FuzzDriver.bytes(start, count))
    switch CheckoutDecoding.decode(body) {
    case .failure(let problem):
        if problem.message.isEmpty { FuzzDriver.fail("refusal without a message") }
    case .success(let order):
        guard let encoded = try? JSONEncoder().encode(order),
            let again = try? JSONDecoder().decode(CheckoutRequest.self, from: encoded)
        else { FuzzDriver.fail("an accepted order does not encode and decode") }
        if again != order { FuzzDriver.fail("round trip changed the order") }
        _ = TransactionVerifier().verify(order, today: CalendarDate(year: 2026, month: 6))
        _ = FraudRules().evaluate(order)
        _ = OrderFeatures(order)
        _ = OrderTicket(orderId: "fuzz-1", order: order)
    }
    return 0
}

@_cdecl("FuzzCheckoutDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, test: testOneInput)
}
