import Causality
import Foundation
import Testing
import TraceFormat

@Test func tenThousandEventsRoundTripWithMatchingStatistics() throws {
    let events = sampleEvents(1...10_000)
    try withTemporaryDirectory { directory in
        // A nested directory that does not exist yet: the writer creates it.
        let path = directory.appendingPathComponent("run/orchestrator.jsonl.gz").path
        let stats = try writeTrace(events, to: path)
        let fileSize = try readBytes(path).count
        #expect(stats.eventsWritten == 10_000)
        #expect(stats.eventsDropped == 0)
        #expect(stats.writeErrors == 0)
        #expect(stats.batches >= 1 && stats.batches <= 10_001)
        #expect(stats.uncompressedBytesWritten == encodedLines(events).count)
        #expect(stats.compressedBytesWritten == fileSize)
        #expect(fileSize < stats.uncompressedBytesWritten / 3, "sample data should compress well")

        let (read, report) = try readTrace(path)
        #expect(report.isClean, "\(report.problems)")
        #expect(report.events == 10_000)
        #expect(report.lines == 10_000)
        #expect(report.path == path)
        #expect(difference(read, events) == nil)
    }
}

@Test func closeIsIdempotentAndLaterEventsAreDroppedAndCounted() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("t.jsonl.gz").path
        let writer = try TraceFileWriter(path: path)
        writer.append(sampleEvent(1))
        writer.close()
        writer.close()
        writer.append(sampleEvent(2))
        writer.flush()  // must not hang after close
        #expect(writer.statistics.eventsWritten == 1)
        #expect(writer.statistics.eventsDropped == 1)
        let (read, report) = try readTrace(path)
        #expect(read == [sampleEvent(1)])
        #expect(report.isClean)
    }
}

@Test func fullQueueDropsEventsInsteadOfGrowing() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("t.jsonl.gz").path
        let writer = try TraceFileWriter(path: path, maximumQueuedEvents: 1)
        for index in 1...5_000 { writer.append(sampleEvent(index)) }
        writer.close()
        let stats = writer.statistics
        #expect(stats.eventsWritten + stats.eventsDropped == 5_000)
        #expect(stats.eventsDropped > 0, "5000 appends into a queue of one should drop some")
        let (read, report) = try readTrace(path)
        #expect(report.isClean)
        #expect(read.count == stats.eventsWritten)
        // What survives is still in order.
        #expect(difference(read.map(\.sequence), read.map(\.sequence).sorted()) == nil)
    }
}

@Test func flushMakesEventsReadableBeforeClose() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("t.jsonl.gz").path
        let writer = try TraceFileWriter(path: path)
        let first = sampleEvents(1...100)
        for event in first { writer.append(event) }
        writer.flush()
        let (afterFirst, firstReport) = try readTrace(path)
        #expect(difference(afterFirst, first) == nil)
        // The member is still open: the reader sees a truncated stream, but no partial line.
        #expect(firstReport.damage == .truncated(compressedOffset: try readBytes(path).count))
        #expect(firstReport.droppedTailBytes == 0)
        #expect(firstReport.malformed.isEmpty)

        let second = sampleEvents(101...150)
        for event in second { writer.append(event) }
        writer.flush()
        #expect(difference(try readTrace(path).events, first + second) == nil)

        writer.close()
        let (final, finalReport) = try readTrace(path)
        #expect(difference(final, first + second) == nil)
        #expect(finalReport.isClean, "\(finalReport.problems)")
    }
}

@Test func reopeningAFileAppendsANewMemberAndAllEventsReadBackInOrder() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("node.jsonl.gz").path
        let first = sampleEvents(1...300)
        let second = sampleEvents(301...500)
        let third = sampleEvents(501...501)
        _ = try writeTrace(first, to: path)
        let sizeAfterFirst = try readBytes(path).count
        _ = try writeTrace(second, to: path)
        _ = try writeTrace([], to: path)  // an empty member is harmless
        _ = try writeTrace(third, to: path)
        #expect(try readBytes(path).count > sizeAfterFirst)

        let (read, report) = try readTrace(path)
        #expect(report.isClean, "\(report.problems)")
        #expect(difference(read, first + second + third) == nil)
        #expect(report.lines == 501)

        let gunzip = try systemGunzip(path)
        #expect(gunzip.status == 0, "\(gunzip.error)")
        #expect(difference(gunzip.output, encodedLines(first + second + third)) == nil)
    }
}

@Test func truncatedFileReadsAPrefixAndReportsTheCut() throws {
    let events = sampleEvents(1...10_000)
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("whole.jsonl.gz").path
        _ = try writeTrace(events, to: path)
        let whole = try readBytes(path)
        let cuts = [
            5, 10, whole.count / 3, whole.count / 2, whole.count * 9 / 10, whole.count - 9, whole.count - 7,
            whole.count - 1,
        ]
        var previousCount = -1
        for cut in cuts {
            let cutPath = directory.appendingPathComponent("cut-\(cut).jsonl.gz").path
            try writeBytes(Array(whole[0..<cut]), to: cutPath)
            let (read, report) = try readTrace(cutPath)
            let context = "cut at \(cut) of \(whole.count)"
            #expect(report.damage == .truncated(compressedOffset: cut), "\(context)")
            #expect(report.malformed.isEmpty, "\(context): \(report.problems)")
            #expect(!report.isClean, "\(context)")
            #expect(difference(read, events.prefix(read.count)) == nil, "\(context): not a prefix")
            #expect(report.events == read.count, "\(context)")
            #expect(read.count >= previousCount, "\(context): a longer file gave fewer events")
            previousCount = read.count

            // The dropped tail is exactly the decompressed bytes after the last newline: the start of the next line.
            let (bytes, damage) = try decompressAll(cutPath)
            #expect(damage == report.damage)
            let (lines, tail) = splitLines(bytes)
            #expect(lines.count == read.count, "\(context)")
            #expect(report.droppedTailBytes == tail.count, "\(context)")
            if read.count < events.count {
                let nextLine = TraceEventEncoder.line(events[read.count])
                #expect(nextLine.starts(with: tail), "\(context): the partial tail is not the next line")
                #expect(tail.count < nextLine.count, "\(context)")
            }
            if cut >= whole.count / 3 && cut <= whole.count * 9 / 10 {
                #expect(read.count > 0 && read.count < events.count, "\(context): \(read.count) events")
            }
            if cut >= whole.count - 8 {
                // Cut inside the 8-byte trailer (CRC, length): all data is there, only the check is missing.
                #expect(difference(read, events) == nil, "\(context)")
                #expect(report.droppedTailBytes == 0, "\(context)")
            }
            if cut <= 10 {
                #expect(read.isEmpty, "\(context)")
            }
        }
        // A truncated file reports exactly one problem: the cut.
        let midPath = directory.appendingPathComponent("cut-\(whole.count / 2).jsonl.gz").path
        let middle = try readTrace(midPath).report
        #expect(middle.problems.count == 1, "\(middle.problems)")
    }
}

/// Compresses `lines` deterministically, a sync flush every `batch` lines, as the writer does.
private func compressLines(_ lines: [[UInt8]], batch: Int) throws -> [UInt8] {
    var chunks: [[UInt8]] = []
    var index = 0
    while index < lines.count {
        chunks.append(lines[index..<min(index + batch, lines.count)].flatMap { $0 })
        index += batch
    }
    return try gzipMember(chunks)
}

@Test(arguments: [
    (position: 0.25, length: 1, pattern: UInt8(0xFF)),
    (position: 0.5, length: 1, pattern: UInt8(0x10)),
    (position: 0.5, length: 64, pattern: UInt8(0xA5)),
    (position: 0.75, length: 16, pattern: UInt8(0x01)),
    (position: 0.9, length: 4, pattern: UInt8(0x80)),
])
func corruptedFileReadsUpToTheDamageAndReportsIt(position: Double, length: Int, pattern: UInt8) throws {
    let events = sampleEvents(1...3_000)
    let lines = events.map { TraceEventEncoder.line($0) }
    let whole = try compressLines(lines, batch: 50)
    var damaged = whole
    let start = Int(Double(whole.count) * position)
    for index in start..<(start + length) { damaged[index] ^= pattern }
    try withTemporaryDirectory { directory in
        // The lines decodable from the bytes before the first damaged byte: these must come back intact.
        let intactPath = directory.appendingPathComponent("intact-prefix.gz").path
        try writeBytes(Array(whole[0..<start]), to: intactPath)
        let intactLines = splitLines(try decompressAll(intactPath).bytes).lines.count

        let path = directory.appendingPathComponent("corrupt.jsonl.gz").path
        try writeBytes(damaged, to: path)
        let (read, report) = try readTrace(path)
        let context = "flip \(length) bytes at \(start) of \(whole.count) with \(pattern)"
        #expect(!report.isClean, "\(context): corruption went unnoticed")
        #expect(report.damage != nil || !report.malformed.isEmpty, "\(context)")
        #expect(intactLines > 100 && intactLines < events.count, "\(context): \(intactLines) intact lines")

        // Everything before the damage is returned, in order; nothing before it is reported as malformed.
        #expect(read.count >= intactLines, "\(context)")
        #expect(difference(read.prefix(intactLines), events.prefix(intactLines)) == nil, "\(context): not a prefix")
        #expect(report.malformed.allSatisfy { $0.line > intactLines }, "\(context): \(report.problems.prefix(3))")
        // Past the damage the stream may decode to garbage: such lines are malformed, with path and line number.
        for malformed in report.malformed {
            #expect(malformed.path == path)
            #expect(malformed.line >= 1 && malformed.line <= report.lines)
            #expect(malformed.description.hasPrefix("\(path):\(malformed.line): malformed event"))
        }
        #expect(report.events == read.count)
        #expect(report.events + report.malformed.count <= report.lines)
    }
}

/// A flipped bit in a Huffman-coded block can decode to a different but well-formed line. Nothing in a line
/// says so; only the member's CRC at its end does. The report is then not clean, though every line parsed.
@Test func corruptionThatStillDecodesIsCaughtByTheChecksum() throws {
    let events = sampleEvents(1...3_000)
    let whole = try compressLines(events.map { TraceEventEncoder.line($0) }, batch: 50)
    var damaged = whole
    damaged[whole.count / 2] ^= 0x10
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("silent.jsonl.gz").path
        try writeBytes(damaged, to: path)
        let (read, report) = try readTrace(path)
        guard case .corrupt(_, let message) = report.damage else {
            Issue.record("expected corrupt, got \(String(describing: report.damage))")
            return
        }
        #expect(!report.isClean)
        // With this zlib and data the flip keeps every line well-formed but changes some content.
        if report.malformed.isEmpty && read.count == events.count {
            #expect(message.contains("data check"), "\(message)")
            #expect(difference(read, events) != nil, "the CRC failed, so some content must differ")
        }
    }
}

@Test func corruptHeaderAndCorruptChecksumAreReported() throws {
    let events = sampleEvents(1...200)
    let whole = try compressLines(events.map { TraceEventEncoder.line($0) }, batch: 50)
    try withTemporaryDirectory { directory in
        var badHeader = whole
        badHeader[0] ^= 0xFF
        let headerPath = directory.appendingPathComponent("header.jsonl.gz").path
        try writeBytes(badHeader, to: headerPath)
        let header = try readTrace(headerPath)
        #expect(header.events.isEmpty)
        guard case .corrupt(let offset, _) = header.report.damage else {
            Issue.record("expected corrupt header, got \(String(describing: header.report.damage))")
            return
        }
        #expect(offset <= 10)

        var badChecksum = whole
        badChecksum[whole.count - 8] ^= 0x01  // first byte of the CRC32
        let checksumPath = directory.appendingPathComponent("crc.jsonl.gz").path
        try writeBytes(badChecksum, to: checksumPath)
        let checksum = try readTrace(checksumPath)
        #expect(difference(checksum.events, events) == nil, "the data itself is intact")
        guard case .corrupt = checksum.report.damage else {
            Issue.record("expected a corrupt checksum, got \(String(describing: checksum.report.damage))")
            return
        }
        #expect(!checksum.report.isClean)
    }
}

@Test func malformedLinesAreReportedWithLineNumbersAndValidEventsStillRead() throws {
    let first = sampleEvent(1)
    let last = sampleEvent(2)
    let missingNode = String(decoding: TraceEventEncoder.line(sampleEvent(9)), as: UTF8.self)
        .replacingOccurrences(of: #""node":"orchestrator","#, with: "")
    #expect(!missingNode.contains("\"node\""))
    let content =
        TraceEventEncoder.line(first) + Array("{not json\n".utf8) + Array(missingNode.utf8)
        + TraceEventEncoder.line(last)
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("bad-lines.jsonl.gz").path
        // Split mid-line across two sync-flushed chunks so that a line spans decompressed chunks.
        try writeBytes(try gzipMember([Array(content[0..<20]), Array(content[20...])]), to: path)
        let (read, report) = try readTrace(path)
        #expect(read == [first, last])
        #expect(report.damage == nil)
        #expect(report.lines == 4)
        #expect(report.events == 2)
        #expect(report.malformed.map(\.line) == [2, 3])
        #expect(report.malformed.allSatisfy { $0.path == path })
        #expect(report.malformed.count == 2)
        if report.malformed.count == 2 {
            #expect(report.malformed[1].reason.contains("node"), "reason: \(report.malformed[1].reason)")
            #expect(report.malformed[0].reason.contains("JSON"), "reason: \(report.malformed[0].reason)")
        }
        #expect(!report.isClean)
        #expect(report.problems.count == 2)
        #expect(report.problems.first?.hasPrefix("\(path):2: malformed event") == true)
    }
}

@Test func emptyLinesAreCountedButNotReported() throws {
    let content = Array("\n".utf8) + TraceEventEncoder.line(sampleEvent(1)) + Array("\n".utf8)
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("blank.jsonl.gz").path
        try writeBytes(try gzipMember([content]), to: path)
        let (read, report) = try readTrace(path)
        #expect(read == [sampleEvent(1)])
        #expect(report.lines == 3)
        #expect(report.isClean)
    }
}

@Test func lastLineWithoutNewlineIsDroppedAndReported() throws {
    let line = TraceEventEncoder.line(sampleEvent(2))
    let content = TraceEventEncoder.line(sampleEvent(1)) + line.dropLast()
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("no-newline.jsonl.gz").path
        try writeBytes(try gzipMember([content]), to: path)
        let (read, report) = try readTrace(path)
        #expect(read == [sampleEvent(1)])
        #expect(report.damage == nil)
        #expect(report.droppedTailBytes == line.count - 1)
        #expect(!report.isClean)
        #expect(report.problems.count == 1)
    }
}

@Test func readerErrorsFromTheCallbackPropagate() throws {
    struct Stop: Error {}
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("t.jsonl.gz").path
        _ = try writeTrace(sampleEvents(1...10), to: path)
        var seen = 0
        #expect(throws: Stop.self) {
            _ = try TraceFileReader().read(path: path) { _ in
                seen += 1
                if seen == 3 { throw Stop() }
            }
        }
        #expect(seen == 3)
    }
}

@Test func readingAMissingFileThrows() {
    #expect(throws: TraceReadError.self) {
        _ = try TraceFileReader().read(path: "/nonexistent/\(UUID().uuidString).jsonl.gz") { _ in }
    }
}

@Test func recorderFilesAreDeflatedWithTheSettingsCompressionLevel() throws {
    // zlib writes the level class into the gzip header's XFL byte (RFC 1952): 4 for its fastest level, 2 for level
    // 9, 0 between. A recorder's file must carry the level of `TraceFileSettings.compression`.
    let cases: [(TraceCompression, UInt8)] = [
        (TraceCompression(level: 1, memoryLevel: 8), 4), (.standard, 0),
        (TraceCompression(level: 9, memoryLevel: 9), 2),
    ]
    for (index, (compression, flags)) in cases.enumerated() {
        try withTemporaryDirectory { directory in
            var settings = TraceFileSettings()
            settings.compression = compression
            let node = "node\(index)"
            let recorder = try TraceRecorder.file(node: node, directory: directory.path, settings: settings)
            for _ in 0..<100 { recorder.record(EventKind("test.tick")) }
            recorder.close()
            let bytes = try readBytes(TraceRecorder.path(node: node, directory: directory.path))
            #expect(Array(bytes.prefix(3)) == [0x1F, 0x8B, 0x08], "a gzip member")
            #expect(bytes.count > 9 && bytes[8] == flags, "level \(compression.level): XFL \(bytes[8])")
            #expect(try readTrace(TraceRecorder.path(node: node, directory: directory.path)).events.count == 100)
        }
    }
}
