import Checkout
import Foundation
import SeededRandom
import Testing
import WireJSON

@testable import Services

/// The orchestrator's checkout decoding with the byte-level reader in front against the Foundation decoding
/// alone: the same accepted orders and the same refusals (code and message) for the fuzz corpus's seeds and
/// thousands of mutations of them.
@Suite("Checkout decoding: fast reader against Foundation")
struct WireCheckoutDecodingTests {
    /// The seeds of `FuzzCheckoutDecoder` (Tests/FuzzCorpus/FuzzCheckoutDecoder).
    private static func corpus() throws -> [Data] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus/FuzzCheckoutDecoder")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names.count >= 5)
        return try names.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
    }

    /// The two decodings of `body` agree (a body over the reader's bounds is the one documented difference).
    private static func expectSameOutcome(_ body: Data, sourceLocation: SourceLocation = #_sourceLocation) {
        let fast = CheckoutDecoding.decode(body)
        let reference = CheckoutDecoding.decodeWithFoundation(body)
        switch (fast, reference) {
        case (.success(let a), .success(let b)):
            #expect(a == b, sourceLocation: sourceLocation)
        case (.failure(let a), .failure(let b)):
            #expect(a.code == b.code && a.message == b.message, "\(a) vs \(b)", sourceLocation: sourceLocation)
        default:
            Issue.record(
                "fast \(fast) vs Foundation \(reference) for \(String(decoding: body, as: UTF8.self).debugDescription)",
                sourceLocation: sourceLocation)
        }
    }

    @Test("every corpus seed is accepted or refused alike, with the same order or the same error")
    func corpusSeedsAgree() throws {
        for seed in try Self.corpus() { Self.expectSameOutcome(seed) }
    }

    @Test("the valid seeds are decoded by the fast reader itself, not handed to Foundation")
    func validSeedsTakeTheFastPath() throws {
        var fastCount = 0
        for seed in try Self.corpus() {
            let accepted = (try? CheckoutDecoding.decodeWithFoundation(seed).get()) != nil
            let fast = seed.withUnsafeBytes { CheckoutRequest.decode(wire: $0).value }
            if accepted, fast != nil { fastCount += 1 }
            if !accepted { #expect(fast == nil) }
        }
        #expect(fastCount >= 2, "valid-order.json and escapes.json")
    }

    @Test("thousands of byte mutations of the seeds: same acceptance, same order, same error code and message")
    func mutatedSeedsAgree() throws {
        var random = SplitMix64(seed: 2026)
        let seeds = try Self.corpus()
        let alphabet: [UInt8] = Array(#"{}[]:,"\ 0123456789-+.eE tnuflrsa"#.utf8) + [0x00, 0x0A, 0xC3, 0xFF, 0x80]
        let rounds = ProcessInfo.processInfo.environment["WIRE_DIFF_ROUNDS"].flatMap(Int.init) ?? 4000
        for round in 0..<rounds {
            var body = [UInt8](seeds[round % seeds.count])
            for _ in 0...Int.random(in: 0..<3, using: &random) where !body.isEmpty {
                let index = Int.random(in: 0..<body.count, using: &random)
                let byte = alphabet.randomElement(using: &random) ?? 0
                switch Int.random(in: 0..<3, using: &random) {
                case 0: body[index] = byte
                case 1: body.remove(at: index)
                default: body.insert(byte, at: index)
                }
            }
            Self.expectSameOutcome(Data(body))
        }
    }

    @Test("a body nested deeper than the reader's bound is refused with a structured invalid-request error")
    func overDeepBodyIsRefused() {
        let body = Data(
            ("{\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}").utf8)
        guard case .failure(let problem) = CheckoutDecoding.decode(body) else {
            Issue.record("accepted")
            return
        }
        #expect(problem.code == .invalidRequest)
        #expect(problem.message.contains("deeper than 64"))
    }
}
