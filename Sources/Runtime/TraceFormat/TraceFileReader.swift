import Glibc

/// Streams the events of `.jsonl.gz` trace files without holding a file in memory: the one trace read path
/// (the analyzer's run loader, the exporters, recovery, the tests all read through it).
///
/// Lines are decoded by `FastEventDecoder`, with the reference `TraceEventDecoder` as fallback (which also names
/// what is wrong with a malformed line). Damage is recorded in the `FileHealth` and reading resumes at the next
/// gzip member; a line cut by the damage is dropped.
public struct TraceFileReader {
    /// At most this many malformed lines are kept in a health report (the count keeps growing).
    public static let maximumKeptMalformed = 100

    public init() {}

    /// Reads `path` from compressed offset `offset` (0, or where a gzip member starts), calling `onEvent` for
    /// every valid event in file order. Damage and malformed lines are reported in the result; only a file that
    /// cannot be opened or read throws (and so does `onEvent`).
    public func read(path: String, from offset: Int = 0, onEvent: (TraceEvent) throws -> Void) throws -> FileHealth {
        let node = TraceSegments.parse(fileName: path.split(separator: "/").last.map(String.init) ?? path)?.node
        return try read(path: path, from: offset, node: node ?? "", lineBase: 0) { event, _ in try onEvent(event) }
    }

    /// Reads every segment of `node` in `directory` in order (`<node>.jsonl.gz`, `<node>.1.jsonl.gz`, …).
    /// - Returns: one report per segment.
    public func read(
        node: String, directory: String, onEvent: (TraceEvent) throws -> Void
    ) throws -> [FileHealth] {
        try TraceSegments.paths(node: node, directory: directory).map { path in
            try read(path: path, from: 0, node: node, lineBase: 0) { event, _ in try onEvent(event) }
        }
    }

    /// Reads the segments `paths` of `node` in order as one stream, calling `onEvent` with each valid event and
    /// its line number (1-based; numbering continues across segments). Never throws: a file that cannot be read,
    /// or an error thrown by `onEvent` (which stops reading), is recorded in `unreadable`. The health names the
    /// first segment and sums the others' problems.
    public func read(
        segments paths: [String], node: String, onEvent: (_ event: TraceEvent, _ line: Int) throws -> Void
    ) -> FileHealth {
        guard paths.count > 1 else { return readRecording(path: paths.first ?? "", node: node, 0, onEvent) }
        var total = FileHealth(node: node, path: paths[0])
        for path in paths {
            total.append(segment: readRecording(path: path, node: node, total.lines, onEvent))
        }
        return total
    }

    /// `read(segments:node:onEvent:)` for the analyzer: the `data` of a plain RPC event is not decoded into the
    /// event (it is empty) but handed over raw with its fields (`FastEventDecoder.keepsRPCDataRaw`); for every other
    /// event the third argument is nil.
    public func readKeepingRPCDataRaw(
        segments paths: [String], node: String,
        onEvent: (_ event: TraceEvent, _ line: Int, _ rpcData: RPCDataFields?) throws -> Void
    ) -> FileHealth {
        guard paths.count > 1 else {
            return readRecording(path: paths.first ?? "", node: node, 0, keepingRPCDataRaw: true, onEvent)
        }
        var total = FileHealth(node: node, path: paths[0])
        for path in paths {
            total.append(segment: readRecording(path: path, node: node, total.lines, keepingRPCDataRaw: true, onEvent))
        }
        return total
    }

    /// `readKeepingRPCDataRaw(segments:node:onEvent:)` that also decodes every clock by the node numbers `nodes`
    /// (`FastEventDecoder.decodingDenseClocks(nodes:count:)`): the event's `clock` is then empty unless the clock
    /// names a node outside `nodes`, and the fourth argument holds the clock by number. It is nil for a line the
    /// fast decoder left to the reference decoder (then the event's `clock` is the whole clock).
    public func readForChecks(
        segments paths: [String], node: String, nodes: [String: Int], nodeCount: Int,
        onEvent: (_ event: TraceEvent, _ line: Int, _ rpcData: RPCDataFields?, _ clock: DenseClock?) throws -> Void
    ) -> FileHealth {
        readForChecks(segments: paths, node: node, nodes: nodes, nodeCount: nodeCount, onCompact: nil, onEvent: onEvent)
    }

    /// `readForChecks(segments:node:nodes:nodeCount:onEvent:)` that first offers every line to `onCompact` as a
    /// `CompactEvent` when it decodes in that form (`FastEventDecoder.decodeCompact(_:node:)`), with its line
    /// number, its bytes and the member that holds them: with a member, the bytes stay valid while it is retained;
    /// without (a line read by zlib, or one that spans two chunks), during the call only. When `onCompact` returns
    /// false, or the line has no compact form, the line goes to `onEvent` as in the other form (a line is counted and
    /// delivered once).
    public func readForChecks(
        segments paths: [String], node: String, nodes: [String: Int], nodeCount: Int,
        onCompact: (
            (_ event: CompactEvent, _ line: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ member: InflatedMember?) throws
                -> Bool
        )?,
        onEvent: (_ event: TraceEvent, _ line: Int, _ rpcData: RPCDataFields?, _ clock: DenseClock?) throws -> Void
    ) -> FileHealth {
        let dense = DenseNodes(positions: nodes, count: nodeCount)
        func segment(_ path: String, _ lineBase: Int) -> FileHealth {
            var (health, error) = scan(
                path: path, from: 0, node: node, lineBase: lineBase, checksNode: !node.isEmpty,
                keepingRPCDataRaw: true, denseNodes: dense, onCompact: node.isEmpty ? nil : onCompact,
                onEvent: onEvent)
            // A reader stopped by its consumer (which read enough) did not find the file unreadable.
            if let error, !(error is CancellationError) { health.unreadable = "\(error)" }
            return health
        }
        guard paths.count > 1 else { return segment(paths.first ?? "", 0) }
        var total = FileHealth(node: node, path: paths[0])
        for path in paths { total.append(segment: segment(path, total.lines)) }
        return total
    }

    private func readRecording(
        path: String, node: String, _ lineBase: Int, _ onEvent: (TraceEvent, Int) throws -> Void
    ) -> FileHealth {
        readRecording(path: path, node: node, lineBase, keepingRPCDataRaw: false) { event, line, _ in
            try onEvent(event, line)
        }
    }

    private func readRecording(
        path: String, node: String, _ lineBase: Int, keepingRPCDataRaw: Bool,
        _ onEvent: (TraceEvent, Int, RPCDataFields?) throws -> Void
    ) -> FileHealth {
        var (health, error) = scan(
            path: path, from: 0, node: node, lineBase: lineBase, checksNode: !node.isEmpty,
            keepingRPCDataRaw: keepingRPCDataRaw
        ) { event, line, rpcData, _ in try onEvent(event, line, rpcData) }
        if let error { health.unreadable = "\(error)" }
        return health
    }

    private func read(
        path: String, from offset: Int, node: String, lineBase: Int, onEvent: (TraceEvent, Int) throws -> Void
    ) throws -> FileHealth {
        let (health, error) = scan(path: path, from: offset, node: node, lineBase: lineBase) { event, line, _, _ in
            try onEvent(event, line)
        }
        if let error { throw error }
        return health
    }

    /// The reading itself: what was found, and the error that stopped it (the file's, or `onEvent`'s), if any.
    /// With `checksNode`, an event recorded by another node than `node` is a malformed line (a run's file holds
    /// one node's events; the run loader reads with it).
    private func scan(
        path: String, from offset: Int, node: String, lineBase: Int, checksNode: Bool = false,
        keepingRPCDataRaw: Bool = false, denseNodes: DenseNodes? = nil,
        onCompact: ((CompactEvent, Int, UnsafeBufferPointer<UInt8>, InflatedMember?) throws -> Bool)? = nil,
        onEvent: (TraceEvent, Int, RPCDataFields?, DenseClock?) throws -> Void
    ) -> (FileHealth, (any Error)?) {
        var scanner = TraceLineScanner(
            path: path, node: node, lineBase: lineBase, checksNode: checksNode, keepingRPCDataRaw: keepingRPCDataRaw,
            denseNodes: denseNodes)
        let nodeBytes = Array(node.utf8)
        var tailLine: Int?
        do {
            let damages = try nodeBytes.withUnsafeBufferPointer { nodeBytes in
                try MemberInflater().decompressFile(
                    at: path, startOffset: offset, onResume: { scanner.resume(at: $0) },
                    onTail: { _ in tailLine = lineBase + scanner.health.lines + 1 },
                    { chunk, member in
                        try scanner.consume(
                            chunk, member: member, nodeBytes: nodeBytes, onCompact: onCompact, onEvent: onEvent)
                    })
            }
            scanner.finish()
            var health = scanner.health
            for damage in damages { health.record(damage) }
            // Only a failed check makes the lines before the damage suspect: invalid deflate data (also what a cut
            // member followed by a restart's new member gives) stops decoding where it is met.
            if damages.contains(where: Self.failedCheck), let tailLine {
                health.suspectFromLine = min(health.suspectFromLine ?? tailLine, tailLine)
            }
            // Not gzip at all (nothing could be read, and it does not start like gzip): the file is unreadable.
            if offset == 0, health.events == 0, health.malformedCount == 0, let refusal = try Self.notGzip(path) {
                health.unreadable = refusal
            }
            return (health, nil)
        } catch {
            return (scanner.health, error)
        }
    }

    /// Why the file at `path` is not a gzip file (nil when it starts like one, or is empty).
    static func notGzip(_ path: String) throws -> String? {
        guard let file = fopen(path, "rb") else { throw TraceReadError.cannotOpen(path, errno) }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 4)
        let count = fread(&head, 1, head.count, file)
        if count == 0 && ferror(file) != 0 { throw TraceReadError.cannotRead(path, errno) }
        // A file cut inside its first header (one byte 1f) is a damaged gzip file, not another format.
        let magic: [UInt8] = [0x1F, 0x8B]
        guard count > 0, !head.prefix(min(count, 2)).elementsEqual(magic.prefix(min(count, 2))) else { return nil }
        let bytes = head.prefix(count).map { String($0, radix: 16) }.joined(separator: " ")
        return "\(path): not a gzip file (it starts with bytes \(bytes), not 1f 8b); trace files are "
            + "gzip-compressed JSON lines"
    }

    /// The first valid event of the file at `path` whatever node recorded it, or nil when it has none.
    public func firstEvent(path: String) -> TraceEvent? {
        struct Found: Error { var event: TraceEvent }
        let (_, error) = scan(path: path, from: 0, node: "", lineBase: 0) { event, _, _, _ in throw Found(event: event)
        }
        return (error as? Found)?.event
    }

    /// A short reason for a line the reference decoder refused.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted: return "invalid JSON"
        case .keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        @unknown default: return "\(error)"
        }
    }

    /// True for a member whose data decoded but whose CRC-32 or length did not match (zlib's messages).
    static func failedCheck(_ damage: GzipDamage) -> Bool {
        guard case .corrupt(_, let message) = damage else { return false }
        return message.contains("incorrect data check") || message.contains("incorrect length check")
    }
}
