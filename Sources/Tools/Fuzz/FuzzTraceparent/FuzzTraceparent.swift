import FuzzSupport
import TraceFormat

/// `traceparent` header parsing: any bytes, no crash; an accepted header has lowercase hex ids of the W3C
/// lengths, not all zero, and the context it gives prints a header that parses to the same ids.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: FuzzDriver.bytes(start, count), as: UTF8.self)
    guard let context = TraceContext(traceparent: text) else { return 0 }
    let hex = Set("0123456789abcdef".utf8)
    guard context.traceID.utf8.count == 32, context.spanID.utf8.count == 16,
        context.traceID.utf8.allSatisfy(hex.contains), context.spanID.utf8.allSatisfy(hex.contains)
    else { FuzzDriver.fail("accepted ids are not 32/16 lowercase hex digits: \(context)") }
    guard context.traceID.utf8.contains(where: { $0 != 0x30 }), context.spanID.utf8.contains(where: { $0 != 0x30 })
    else { FuzzDriver.fail("accepted an all-zero id: \(text)") }
    guard let again = TraceContext(traceparent: context.traceparent), again.traceID == context.traceID,
        again.spanID == context.spanID
    else { FuzzDriver.fail("printed header does not parse back: \(context.traceparent)") }
    let child = context.child()
    guard child.traceID == context.traceID, child.parentSpanID == context.spanID else {
        FuzzDriver.fail("child span lost its parent")
    }
    return 0
}

@_cdecl("FuzzTraceparent_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, test: testOneInput)
}
