import Foundation
import FuzzSupport
import TraceAnalysis
import TraceFormat

/// Trace lines as the analyzer reads them: every line of the input goes through the fast decoder (one decoder
/// per input, so its clock cache is exercised across lines) and the reference decoder. Any bytes, no crash; a
/// line both accept decodes to the same event (lines with duplicate keys excepted, as FastEventDecoder
/// documents); an accepted event written by the trace encoder reads back equal.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzDriver.bytes(start, count)
    var fast = FastEventDecoder()
    let reference = TraceEventDecoder()
    for line in input.split(separator: 0x0A, omittingEmptySubsequences: true) {
        let quick = fast.decode(UnsafeBufferPointer(rebasing: line))
        let slow = try? reference.decode(line)
        if let quick, let slow, quick != slow, !DuplicateKeys.possible(in: line) {
            FuzzDriver.fail("fast and reference decoders disagree: \(quick) vs \(slow)")
        }
        guard let event = slow ?? quick else { continue }
        let written = TraceEventEncoder.line(event)
        guard let back = try? reference.decode(written.last == 0x0A ? Array(written.dropLast()) : written) else {
            FuzzDriver.fail("encoded event does not decode: \(String(decoding: written, as: UTF8.self))")
        }
        if back != event { FuzzDriver.fail("encode/decode changed the event: \(event) -> \(back)") }
    }
    return 0
}

@_cdecl("FuzzTraceEvent_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, test: testOneInput)
}
