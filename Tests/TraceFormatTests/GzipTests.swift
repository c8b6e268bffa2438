import Foundation
import SeededRandom
import Testing
import TraceFormat

/// Text-like and incompressible sample input, larger than the compressor's 64 KiB output buffer.
private func sampleInput(seed: UInt64) -> (text: [UInt8], noise: [UInt8]) {
    var generator = SplitMix64(seed: seed)
    let text = Array((1...3_000).map { "line \($0): the quick brown fox \($0 * 7919 % 1000)\n" }.joined().utf8)
    let noise = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return (text, noise)
}

@Test func compressorOutputIsReadableBySystemGzip() throws {
    let (text, noise) = sampleInput(seed: 1)
    let chunks = [text, [], noise, Array("tail without newline".utf8)]
    let compressed = try gzipMember(chunks)
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("sample.gz").path
        try writeBytes(compressed, to: path)
        let result = try systemGunzip(path)
        #expect(result.status == 0, "gzip -dc failed: \(result.error)")
        #expect(result.output == chunks.flatMap { $0 })
    }
}

@Test func compressorOutputIsReadableByGzipDecompressor() throws {
    let (text, noise) = sampleInput(seed: 2)
    let chunks = [noise, text, text]
    let compressed = try gzipMember(chunks)
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("sample.gz").path
        try writeBytes(compressed, to: path)
        let (bytes, damage) = try decompressAll(path)
        #expect(damage == nil)
        #expect(bytes == chunks.flatMap { $0 })
    }
}

@Test func syncFlushMakesEverythingSoFarDecodableBeforeTheMemberEnds() throws {
    let compressor = try GzipCompressor()
    let first = Array("first batch\n".utf8)
    let second = Array(String(repeating: "second batch\n", count: 10_000).utf8)
    let partial = compressor.compress(first) + compressor.compress(second)
    #expect(Array(partial.suffix(4)) == [0x00, 0x00, 0xFF, 0xFF], "a sync flush ends with an empty stored block")
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("open.gz").path
        try writeBytes(partial, to: path)
        let (bytes, damage) = try decompressAll(path)
        #expect(bytes == first + second)
        #expect(damage == .truncated(compressedOffset: partial.count))
        // The system gzip agrees: all data is there, and it complains about the missing trailer.
        let result = try systemGunzip(path)
        #expect(result.output == first + second)
        #expect(result.status == 1)
    }
}

@Test func decompressorReadsSystemGzipOutputAndConcatenatedMembers() throws {
    let gzip = try #require(["/bin/gzip", "/usr/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) })
    let (text, noise) = sampleInput(seed: 3)
    try withTemporaryDirectory { directory in
        let plain = directory.appendingPathComponent("plain").path
        try writeBytes(text + noise, to: plain)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-9", "-n", plain]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let systemMember = try readBytes(plain + ".gz")
        let ownMember = try gzipMember([text])
        let combined = directory.appendingPathComponent("combined.gz").path
        try writeBytes(systemMember + ownMember + systemMember, to: combined)
        let (bytes, damage) = try decompressAll(combined)
        #expect(damage == nil)
        #expect(bytes == text + noise + text + text + noise)
    }
}

@Test func emptyFileHasNoContentAndNoDamage() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("empty.gz").path
        try writeBytes([], to: path)
        let (bytes, damage) = try decompressAll(path)
        #expect(bytes.isEmpty)
        #expect(damage == nil)
    }
}

@Test func garbageAfterAMemberIsReportedAsCorrupt() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("garbage.gz").path
        let member = try gzipMember([Array("hello\n".utf8)])
        try writeBytes(member + Array("not gzip at all".utf8), to: path)
        let (bytes, damage) = try decompressAll(path)
        #expect(bytes == Array("hello\n".utf8))
        guard case .corrupt(let offset, _) = damage else {
            Issue.record("expected corrupt, got \(String(describing: damage))")
            return
        }
        #expect(offset >= member.count)
    }
}

@Test func missingFileThrowsCannotOpen() throws {
    #expect(throws: TraceReadError.self) {
        _ = try GzipDecompressor().decompressFile(at: "/nonexistent/\(UUID().uuidString).gz") { _ in }
    }
}
