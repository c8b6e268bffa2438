import Glibc

/// The state of one `TraceFileReader` pass over a file: it splits decompressed chunks into lines, decodes each
/// line and records what it finds in `health`.
///
/// A struct whose methods the pass calls once per chunk: the per-line work then reads and writes its fields as
/// `self`, checked for exclusive access when compiled. (As variables captured by the pass's closures and a local
/// function, they were checked at run time on every line: about 300 instructions a line.)
struct TraceLineScanner {
    typealias CompactHandler = (CompactEvent, Int, UnsafeBufferPointer<UInt8>, InflatedMember?) throws -> Bool
    typealias EventHandler = (TraceEvent, Int, RPCDataFields?, DenseClock?) throws -> Void

    var health: FileHealth
    private var fast: FastEventDecoder
    private let reference = TraceEventDecoder()
    /// The start of a line that continues in the next chunk.
    private var pending: [UInt8] = []
    private let path: String
    private let node: String
    private let lineBase: Int
    private let checksNode: Bool

    init(
        path: String, node: String, lineBase: Int, checksNode: Bool, keepingRPCDataRaw: Bool, denseNodes: DenseNodes?
    ) {
        health = FileHealth(node: node, path: path)
        fast = FastEventDecoder(keepingRPCDataRaw: keepingRPCDataRaw)
        if let denseNodes { fast.decodingDenseClocks(nodes: denseNodes.positions, count: denseNodes.count) }
        (self.path, self.node, self.lineBase, self.checksNode) = (path, node, lineBase, checksNode)
    }

    /// Handles the lines `chunk` completes; keeps its unfinished last line for the next chunk. `member` holds the
    /// chunk when it is a whole gzip member (see `TraceFileReader.readForChecks`); `nodeBytes` is `node`'s UTF-8.
    mutating func consume(
        _ chunk: UnsafeBufferPointer<UInt8>, member: InflatedMember?, nodeBytes: UnsafeBufferPointer<UInt8>,
        onCompact: CompactHandler?, onEvent: EventHandler
    ) throws {
        guard let base = chunk.baseAddress else { return }
        var start = 0
        while start < chunk.count, let found = memchr(base + start, 0x0A, chunk.count - start) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if pending.isEmpty {
                try handle(
                    UnsafeBufferPointer(rebasing: chunk[start..<index]), member: member, nodeBytes: nodeBytes,
                    onCompact: onCompact, onEvent: onEvent)
            } else {
                pending.append(contentsOf: chunk[start..<index])
                // Moved out while `handle` (which may change `self`) reads it, then back with its storage.
                var line: [UInt8] = []
                swap(&line, &pending)
                defer {
                    line.removeAll(keepingCapacity: true)
                    pending = line
                }
                try line.withUnsafeBufferPointer {
                    try handle($0, member: nil, nodeBytes: nodeBytes, onCompact: onCompact, onEvent: onEvent)
                }
            }
            start = index + 1
        }
        pending.append(contentsOf: chunk[start..<chunk.count])
    }

    /// Reading resumes after damage at compressed offset `offset`: the line cut by the damage can never be
    /// completed, so it is dropped.
    mutating func resume(at offset: Int) {
        health.resumedAt.append(offset)
        health.droppedTailBytes += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// The end of the file: an unfinished last line is dropped.
    mutating func finish() {
        health.droppedTailBytes += pending.count
        pending.removeAll()
    }

    private mutating func handle(
        _ line: UnsafeBufferPointer<UInt8>, member: InflatedMember?, nodeBytes: UnsafeBufferPointer<UInt8>,
        onCompact: CompactHandler?, onEvent: EventHandler
    ) throws {
        health.lines += 1
        if line.isEmpty { return }
        // Decoded in place: an optional event built and destroyed per line took the generic (slow) path.
        var compact = CompactEvent()
        if let onCompact, fast.decodeCompact(line, node: nodeBytes, into: &compact),
            try onCompact(compact, lineBase + health.lines, line, member)
        {
            health.events += 1
            return
        }
        var decoded = fast.decode(line)
        let rpcData = decoded == nil ? nil : fast.lastRPCData
        let denseClock = decoded == nil ? nil : fast.lastDenseClock
        if decoded == nil {
            do {
                decoded = try reference.decode(line)
            } catch {
                health.recordMalformed(line: health.lines, path: path, reason: TraceFileReader.reason(error))
                return
            }
        }
        guard let event = decoded else { return }
        guard event.version == TraceEvent.schemaVersion else {
            let reason =
                "trace format version \(event.version) is not supported "
                + "(this reader supports \(TraceEvent.schemaVersion))"
            health.recordMalformed(line: health.lines, path: path, reason: reason)
            health.unsupportedVersionLines += 1
            health.unsupportedVersion = health.unsupportedVersion ?? event.version
            return
        }
        guard !checksNode || event.node == node else {
            let reason = "an event of node \(event.node) in the file of node \(node)"
            health.recordMalformed(line: health.lines, path: path, reason: reason)
            return
        }
        health.events += 1
        try onEvent(event, lineBase + health.lines, rpcData, denseClock)
    }
}
