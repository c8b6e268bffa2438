import Testing

@testable import TraceAnalysis

/// The reader keeps an event's message id, peer and span id as a hash and a place in its line (no string), and the
/// checks key their tables on packed ids (`PackedID`): every form must agree with the strings the whole decode gives,
/// for ASCII ids, canonically equivalent ones, repaired (invalid UTF-8) bytes and long ids.
struct LineIDTests {
    /// Ids of every form the packing distinguishes, with bytes that decode to them.
    private static let texts: [[UInt8]] = [
        Array("".utf8), Array("a".utf8), Array("orchestrator-4005-1".utf8), Array("1412727bb3970d58".utf8),
        Array(String(repeating: "x", count: 32).utf8), Array(String(repeating: "y", count: 33).utf8),
        Array("caf\u{E9}-1".utf8), Array("cafe\u{301}-1".utf8), Array("\u{212A}elvin".utf8), Array("Kelvin".utf8),
        [0x61, 0xFF, 0x62], [0xC3], Array("executor-1".utf8),
    ]

    private static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("an id's hash from its line bytes is the hash of the string they decode to")
    func lineHashesAgreeWithStrings() {
        for bytes in Self.texts {
            let hash = bytes.withUnsafeBufferPointer { IDHash.of(line: $0) }
            #expect(hash == IDHash.of(Self.string(bytes)), "\(bytes)")
            #expect(bytes.withUnsafeBufferPointer { IDHash.isASCII($0) } == bytes.allSatisfy { $0 < 0x80 })
        }
    }

    @Test("packed ids are equal exactly when their strings are, from bytes or from strings")
    func packedIDsCompareAsStrings() {
        for left in Self.texts {
            for right in Self.texts {
                let (leftText, rightText) = (Self.string(left), Self.string(right))
                let fromBytes = left.withUnsafeBufferPointer { PackedID($0) }
                let other = right.withUnsafeBufferPointer { PackedID($0) }
                #expect((fromBytes == other) == (leftText == rightText), "\(leftText) / \(rightText)")
                #expect((PackedID(leftText) == other) == (leftText == rightText), "\(leftText) / \(rightText)")
            }
            #expect(left.withUnsafeBufferPointer { PackedID($0) }.string == Self.string(left))
            #expect(PackedID(Self.string(left)).string == Self.string(left))
        }
    }

    @Test("a peer's bytes get the number the index gives its name, and no number when no name is that string")
    func peerBytesNumberedByTheIndex() {
        let index = NodeIndex(["executor-1", "load", "caf\u{E9}", String(repeating: "n", count: 40)])
        for bytes in Self.texts + [Array("load".utf8), Array("cafe\u{301}".utf8), Array(repeating: 0x6E, count: 40)] {
            let position = bytes.withUnsafeBufferPointer {
                index.nameKeys.position(of: $0, hash: IDHash.of(line: $0))
            }
            #expect(position == index.position(Self.string(bytes)) ?? -1, "\(Self.string(bytes))")
            var numbers = NodeNumbers(index)
            let number = bytes.withUnsafeBufferPointer { numbers.number(bytes: $0, hash: IDHash.of(line: $0)) }
            var reference = NodeNumbers(index)
            #expect(number == reference.number(Self.string(bytes), hash: IDHash.of(Self.string(bytes))))
        }
        // Only the hash decides where to look: a name is not found under another hash.
        let load = Array("load".utf8)
        #expect(load.withUnsafeBufferPointer { index.nameKeys.position(of: $0, hash: 7) } == -1)
    }
}
