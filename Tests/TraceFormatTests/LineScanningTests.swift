import Causality
import SeededRandom
import Testing

@testable import TraceFormat

/// The scanner reads digits eight at a time, compares a clock's keys with the previous line's in 8-byte loads, and
/// jumps to the end of a string by bit tricks. Whatever the bytes, and wherever they sit relative to the end of the
/// line, each must give what reading one byte at a time gives.
struct LineScanningTests {
    /// The leading digits of `bytes` read one at a time, at most 19.
    private static func referenceRun(_ bytes: [UInt8]) -> (value: UInt64, digits: Int) {
        var value: UInt64 = 0
        var digits = 0
        while digits < bytes.count, digits < 19, bytes[digits] >= 0x30, bytes[digits] <= 0x39 {
            value = value * 10 + UInt64(bytes[digits] - 0x30)
            digits += 1
        }
        return (value, digits)
    }

    @Test("digits read eight at a time give the value and count of reading them one at a time, at any line end")
    func digitRunsMatchTheByteLoop() {
        var random = SplitMix64(seed: 11)
        // Bytes next to the digits: every class the classification tells apart (0x2F and 0x3A border the digits,
        // 0xFA and above carry when 6 is added).
        let neighbours: [UInt8] = [0x00, 0x2C, 0x2F, 0x3A, 0x3F, 0x7D, 0x80, 0xF9, 0xFA, 0xFF]
        for length in 0...24 {
            for _ in 0..<40 {
                var bytes = (0..<length).map { _ in UInt8(0x30 + random.next() % 10) }
                let tail = Int(random.next() % 10)
                bytes += (0..<tail).map { _ in neighbours[Int(random.next() % UInt64(neighbours.count))] }
                guard !bytes.isEmpty else { continue }
                let expected = Self.referenceRun(bytes)
                let run = bytes.withUnsafeBufferPointer { DecimalDigits.run($0.baseAddress!, from: 0, end: $0.count) }
                #expect(run.value == expected.value && run.digits == expected.digits, "\(bytes)")
            }
        }
        let largest = Array("18446744073709551615,".utf8)
        let nineteen = largest.withUnsafeBufferPointer { DecimalDigits.run($0.baseAddress!, from: 0, end: $0.count) }
        #expect(nineteen.value == 1_844_674_407_370_955_161 && nineteen.digits == 19)
    }

    private static func line(seq: Int, clock: String, data: String = "{}") -> [UInt8] {
        Array(
            ("{\"v\":1,\"ts\":1800000000000000001,\"node\":\"a\",\"pid\":7,\"seq\":\(seq),\"kind\":\"log\","
                + "\"vc\":\(clock),\"data\":\(data)}").utf8)
    }

    @Test("a clock read by node number against the previous line's keys is the clock the whole decoder reads")
    func denseClocksOfVariedKeysAndCountersMatchTheWholeDecoder() {
        var random = SplitMix64(seed: 12)
        // Key lengths on both sides of 8 bytes written (separator, quotes and colon included).
        let names = ["a", "bc", "def", "ghij", "klmno", "pqrstuvw", "executor-3", "orchestrator-long-name-1"]
        let positions = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) })
        var whole = FastEventDecoder()
        var dense = FastEventDecoder()
        dense.decodingDenseClocks(nodes: positions, count: names.count)
        var keys = names.filter { _ in random.next() % 2 == 0 }
        var decoded = 0
        for seq in 1...600 {
            if random.next() % 50 == 0 { keys = names.filter { _ in random.next() % 2 == 0 } }
            let entries = keys.sorted().map { name -> String in
                let digits = Int(random.next() % 21)
                let counter =
                    digits == 0 ? "0" : String((0..<digits).map { _ in Character(String(random.next() % 10)) })
                return "\"\(name)\":\(random.next() % 40 == 0 ? "1\(counter)" : counter)"
            }
            let bytes = Self.line(seq: seq, clock: "{" + entries.joined(separator: ",") + "}")
            let expected = bytes.withUnsafeBufferPointer { whole.decode($0) }
            let event = bytes.withUnsafeBufferPointer { dense.decode($0) }
            #expect((expected == nil) == (event == nil), "\(String(decoding: bytes, as: UTF8.self))")
            guard let expected, event != nil, let clock = dense.lastDenseClock else { continue }
            decoded += 1
            let values = names.map { expected.clock[$0] }
            #expect(clock.values == values, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(clock.sum == values.reduce(0, &+))
        }
        #expect(decoded > 100)
    }

    @Test("strings with a quote, an escape or a control byte at any place decode compactly as the whole decoder does")
    func stringsEndWhereTheByteLoopEnds() {
        var random = SplitMix64(seed: 13)
        var whole = FastEventDecoder()
        var compact = FastEventDecoder()
        compact.decodingDenseClocks(nodes: ["a": 0], count: 1)
        let node = Array("a".utf8)
        let specials = [#"\""#, #"\\"#, #"\n"#, "é", "\u{1}", "ÿ"]
        var accepted = 0
        for seq in 1...400 {
            let length = Int(random.next() % 24)
            var text = String((0..<length).map { _ in Character(UnicodeScalar(UInt8(0x61 + random.next() % 26))) })
            if random.next() % 2 == 0 {
                let at = text.index(text.startIndex, offsetBy: Int(random.next() % UInt64(length + 1)))
                text.insert(contentsOf: specials[Int(random.next() % UInt64(specials.count))], at: at)
            }
            let bytes = Array(
                ("{\"v\":1,\"ts\":1800000000000000001,\"node\":\"a\",\"pid\":7,\"seq\":\(seq),\"kind\":\"log\","
                    + "\"span\":\"\(text)\",\"vc\":{\"a\":\(seq)},\"data\":{}}").utf8)
            let expected = bytes.withUnsafeBufferPointer { whole.decode($0) }
            let event = bytes.withUnsafeBufferPointer { line in
                node.withUnsafeBufferPointer { compact.decodeCompact(line, node: $0) }
            }
            if let event {
                accepted += 1
                // The compact form locates the span id in the line: its bytes decode to the whole decoder's string.
                let span = event.span.map {
                    String(decoding: bytes[Int($0.start)..<Int($0.start + $0.count)], as: UTF8.self)
                }
                #expect(expected != nil && expected?.spanID == span, "\(text)")
            }
            // In `data`, escapes are decoded (`string()`): the same value as the whole decoder's, or both refuse.
            let inData = Self.line(seq: seq, clock: "{\"a\":\(seq)}", data: "{\"message\":\"\(text)\"}")
            let whole = inData.withUnsafeBufferPointer { whole.decode($0) }
            let listed = inData.withUnsafeBufferPointer { line in
                node.withUnsafeBufferPointer { compact.decodeCompact(line, node: $0) }
            }
            #expect((whole == nil) == (listed == nil), "\(text)")
            #expect(whole?.data["message"] == listed?.dataFields.first?.value, "\(text)")
        }
        #expect(accepted > 150)
    }

    @Test("the string table gives the string its bytes decode to, through hits, evictions and invalid UTF-8")
    func internedStringsAreTheirBytesDecoded() {
        var random = SplitMix64(seed: 14)
        var table = StringTable()
        // Few enough strings to hit often, more than the slots to evict; some share their first and last 8 bytes.
        let pool: [[UInt8]] = (0..<3000).map { number in
            let length = 1 + Int(random.next() % 70)
            var bytes = (0..<length).map { _ in UInt8(0x61 + random.next() % 4) }
            if number % 7 == 0 { bytes[bytes.count / 2] = 0xFF }
            return bytes
        }
        var hits = 0
        var seen = Set<[UInt8]>()
        for _ in 0..<20000 {
            let bytes = pool[Int(random.next() % 600) + (random.next() % 10 == 0 ? 2400 : 0)]
            if !seen.insert(bytes).inserted { hits += 1 }
            let text = bytes.withUnsafeBufferPointer { table.string($0) }
            #expect(text == String(decoding: bytes, as: UTF8.self), "\(bytes)")
        }
        #expect(hits > 10000)
    }
}
