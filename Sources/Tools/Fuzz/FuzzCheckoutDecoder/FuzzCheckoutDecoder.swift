import Checkout
import Foundation
import FuzzSupport
import WireJSON

@testable import Services

/// The `POST /checkout` body as the orchestrator reads it, then what the services compute from an accepted
/// order: any bytes, no crash; a refusal has a message; an accepted order survives a JSON round trip (through
/// Foundation and through the byte-level codec), and verification, the fraud rules, the model's features and the
/// queue's ticket all accept it without trapping.
///
/// Differential: the orchestrator's decoding (byte-level reader first) and the Foundation decoding alone must
/// accept and refuse alike, with the same order or the same error code and message; the only permitted
/// difference is a body the reader refuses for exceeding its bounds (`WireLimits`).
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = Data(FuzzDriver.bytes(start, count))
    let reference = CheckoutDecoding.decodeWithFoundation(body)
    let decoded = CheckoutDecoding.decode(body)
    switch (decoded, reference) {
    case (.failure(let problem), .failure(let expected)):
        if problem.message.isEmpty { FuzzDriver.fail("refusal without a message") }
        if problem.code != expected.code || problem.message != expected.message {
            FuzzDriver.fail("fast and Foundation refuse differently: \(problem) vs \(expected)")
        }
    case (.failure(let problem), .success):
        guard case .refused = body.withUnsafeBytes({ CheckoutRequest.decode(wire: $0) }) else {
            FuzzDriver.fail("the fast path refused what Foundation accepts: \(problem)")
        }
    case (.success, .failure(let expected)):
        FuzzDriver.fail("the fast path accepted what Foundation refuses: \(expected)")
    case (.success(let order), .success(let expected)):
        if order != expected { FuzzDriver.fail("fast and Foundation decode different orders") }
        check(order)
    }
    return 0
}

/// What every accepted order must survive.
func check(_ order: CheckoutRequest) {
    guard let encoded = try? JSONEncoder().encode(order),
        let again = try? JSONDecoder().decode(CheckoutRequest.self, from: encoded)
    else { FuzzDriver.fail("an accepted order does not encode and decode") }
    if again != order { FuzzDriver.fail("round trip changed the order") }
    guard let wire = order.wireJSON, CheckoutRequest.decode(wire: wire).value == order,
        (try? JSONDecoder().decode(CheckoutRequest.self, from: Data(wire))) == order
    else { FuzzDriver.fail("the byte-level codec does not round-trip the order") }
    _ = TransactionVerifier().verify(order, today: CalendarDate(year: 2026, month: 6))
    _ = FraudRules().evaluate(order)
    _ = OrderFeatures(order)
    _ = OrderTicket(orderId: "fuzz-1", order: order)
}

@_cdecl("FuzzCheckoutDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, test: testOneInput)
}
