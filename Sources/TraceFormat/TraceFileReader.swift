/// What reading one trace file found besides its events.
public struct TraceFileReport: Sendable, Equatable {
    /// A line that is not a valid event.
    public struct MalformedLine: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        /// 1-based line number in the decompressed file.
        public var line: Int
        public var reason: String
        public var description: String { "\(path):\(line): malformed event: \(reason)" }
    }

    public var path: String
    /// Events decoded and handed on.
    public var events = 0
    /// Complete lines read (valid or not).
    public var lines = 0
    public var malformed: [MalformedLine] = []
    /// Where the compressed stream first stopped being readable, if it did.
    public var damage: GzipDamage? { damages.first }
    /// Every damage met; reading resumes at the next gzip member after each (see `resumedAt`).
    public var damages: [GzipDamage] = []
    /// Compressed offsets where reading resumed after damage (a restarted node's new member, typically).
    public var resumedAt: [Int] = []
    /// Bytes of a last line that had no newline (cut by the damage) and were dropped.
    public var droppedTailBytes = 0

    /// True when the file was read whole and every line was an event.
    public var isClean: Bool { malformed.isEmpty && damages.isEmpty && droppedTailBytes == 0 }

    /// Human-readable lines describing each problem found.
    public var problems: [String] {
        var result = malformed.map(\.description)
        for (index, damage) in damages.enumerated() {
            var line = "\(path): \(damage)"
            if index < resumedAt.count {
                line += "; resumed at the gzip member starting at compressed byte \(resumedAt[index])"
            }
            if index == damages.count - 1 {
                line += "; read \(lines) lines in all, dropped \(droppedTailBytes) bytes of partial lines"
            }
            result.append(line)
        }
        if damages.isEmpty && droppedTailBytes > 0 {
            result.append("\(path): last line has no newline; dropped \(droppedTailBytes) bytes")
        }
        return result
    }
}

/// Streams the events of one `.jsonl.gz` trace file without holding the file in memory.
public struct TraceFileReader {
    /// At most this many malformed lines are kept in a report (the count of lines keeps growing).
    public static let maximumKeptMalformed = 1_000

    public init() {}

    /// Reads `path`, calling `onEvent` for every valid event in file order.
    /// Damage and malformed lines are reported in the result; only an unreadable file throws.
    public func read(path: String, onEvent: (TraceEvent) throws -> Void) throws -> TraceFileReport {
        try read(path: path, from: 0, onEvent: onEvent)
    }

    /// Reads every segment of `node` in `directory` in order (`<node>.jsonl.gz`, `<node>.1.jsonl.gz`, …).
    /// - Returns: one report per segment.
    public func read(
        node: String, directory: String, onEvent: (TraceEvent) throws -> Void
    ) throws -> [TraceFileReport] {
        try TraceSegments.paths(node: node, directory: directory).map { try read(path: $0, onEvent: onEvent) }
    }

    /// Reads `path` from compressed offset `offset` (0, or where a gzip member starts).
    public func read(path: String, from offset: Int, onEvent: (TraceEvent) throws -> Void) throws -> TraceFileReport {
        var report = TraceFileReport(path: path)
        let decoder = TraceEventDecoder()
        var pending: [UInt8] = []
        let decompressor = try GzipDecompressor()

        func handle(line: UnsafeBufferPointer<UInt8>) throws {
            report.lines += 1
            if line.isEmpty { return }
            do {
                let event = try decoder.decode(line)
                guard event.version == TraceEvent.schemaVersion else {
                    if report.malformed.count < Self.maximumKeptMalformed {
                        report.malformed.append(
                            .init(
                                path: path, line: report.lines,
                                reason:
                                    "unsupported format version \(event.version) (this reader knows \(TraceEvent.schemaVersion))"
                            ))
                    }
                    return
                }
                report.events += 1
                try onEvent(event)
            } catch let error as DecodingError {
                if report.malformed.count < Self.maximumKeptMalformed {
                    report.malformed.append(.init(path: path, line: report.lines, reason: Self.explain(error)))
                }
            }
        }

        report.damages = try decompressor.decompressFile(
            at: path, startOffset: offset,
            onResume: { offset in
                // The line cut by the damage can never be completed: drop it.
                report.resumedAt.append(offset)
                report.droppedTailBytes += pending.count
                pending.removeAll(keepingCapacity: true)
            }
        ) { chunk in
            var start = 0
            for index in 0..<chunk.count where chunk[index] == 0x0A {
                if pending.isEmpty {
                    try handle(line: UnsafeBufferPointer(rebasing: chunk[start..<index]))
                } else {
                    pending.append(contentsOf: chunk[start..<index])
                    try pending.withUnsafeBufferPointer { try handle(line: $0) }
                    pending.removeAll(keepingCapacity: true)
                }
                start = index + 1
            }
            pending.append(contentsOf: chunk[start..<chunk.count])
        }
        report.droppedTailBytes += pending.count
        return report
    }

    static func explain(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.underlyingError.map { "invalid JSON (\($0))" } ?? "invalid JSON: \(context.debugDescription)"
        case .keyNotFound(let key, _):
            return "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "wrong type at \"\(path)\": \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
