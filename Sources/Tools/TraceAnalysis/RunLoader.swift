import Foundation
import Synchronization
import TraceFormat

/// The one loader of a run directory: the analyzer, the exporters and the tests read runs through it.
///
/// `stream` delivers all node files' events in one causally consistent order: each file is decoded on its own
/// thread into a small bounded buffer, and the calling thread merges the files by clock sum (ties by node, then
/// line), so memory stays bounded however long the run is, and every send is delivered before its receive.
/// `forEachEventInFileOrder` reads the files one after the other, unmerged.
public struct RunLoader {
    /// The first input (the run directory when there is one input).
    public let directory: String
    /// What the run was read from: run directories (one per host) and single trace files.
    public let inputs: [String]
    /// `(node, path)` of every node's first segment, sorted by node.
    public let files: [(node: String, path: String)]
    /// Every node's segments in order (`<node>.jsonl.gz`, `<node>.1.jsonl.gz`, …), same order as `files`.
    public let segments: [(node: String, paths: [String])]
    /// The run's start for `+offset` time bounds: the earliest wall time among the first events of the files.
    public let start: Int64?

    /// Opens the run in `directory`.
    public init(directory: String) throws { try self.init(inputs: [directory]) }

    /// Opens one run given as several inputs: run directories (for example one per host, as
    /// `scripts/collect-traces` gathers them) and single `<node>.jsonl.gz` files.
    /// - Throws: `RunLoadError` when an input cannot be read, holds no trace file, or two files claim one node
    ///   (two folders with a file of the same node, or a file whose events are recorded by another node).
    public init(inputs: [String]) throws {
        guard let first = inputs.first else { throw RunLoadError.noTraceFiles("(no input)") }
        segments = try RunInputs(inputs).segments
        files = segments.map { ($0.node, $0.paths[0]) }
        guard !files.isEmpty else { throw RunLoadError.noTraceFiles(first) }
        var firstNodes: [String: String] = [:]
        var earliest: Int64?
        for (node, path) in files {
            guard let event = TraceFileReader().firstEvent(path: path) else { continue }
            firstNodes[node] = event.node
            earliest = min(earliest ?? event.wallTimeNanos, event.wallTimeNanos)
        }
        try RunInputs.verifyClaims(segments, firstNodes: firstNodes)
        start = earliest
        directory = first
        self.inputs = inputs
    }

    /// The nodes that have a file.
    public var nodes: Set<String> { Set(files.map(\.node)) }

    /// The nodes of the run, numbered.
    public var index: NodeIndex { NodeIndex(files.map(\.node)) }

    /// Streams every event in merged order. Return false from `onEvent` to stop early.
    ///
    /// With `compact`, events are read in compact form (`CompactEvent`): their `event` is decoded again from
    /// the line's bytes when asked, so pass it only when `onEvent` reads `envelope`, the clock and the payloads of
    /// most events (the checks), not `event`.
    /// - Returns: the health of every file, in node order.
    @discardableResult
    public func stream(compact: Bool = false, onEvent: (RunEvent) -> Bool) -> [FileHealth] {
        let channels = files.map { _ in EventChannel() }
        let healths = HealthSlots(count: files.count)
        let nodeIndex = self.index
        for (index, file) in segments.enumerated() {
            let channel = channels[index]
            let thread = Thread {
                // The reader's own copy: every event retains its index, and one object shared by all readers had its
                // reference count written from both cores on every event made and freed.
                let nodeIndex = NodeIndex(nodeIndex.names)
                var batch = EventBatch()
                batch.reserveCapacity(EventChannel.batchSize)
                var memo = ClockPositions()
                let nodeNumber = nodeIndex.position(file.node) ?? -1
                func add(_ event: RunEvent) throws {
                    batch.append(event)
                    if batch.count == EventChannel.batchSize {
                        guard channel.put(batch) else { throw CancellationError() }
                        // Reuse a batch the merge is done with: its events are released here, not on the merge thread.
                        batch = channel.spentBatch() ?? EventBatch()
                        batch.removeAll()
                        batch.reserveCapacity(EventChannel.batchSize)
                    }
                }
                let onCompact: ((CompactEvent, Int, UnsafeBufferPointer<UInt8>, InflatedMember?) throws -> Bool)? =
                    compact
                    ? { event, line, bytes, member in
                        guard
                            let event = RunEvent.make(
                                compact: event, line: line, bytes: bytes, member: member, node: nodeNumber,
                                index: nodeIndex)
                        else { return false }
                        try add(event)
                        return true
                    } : nil
                let health = TraceFileReader().readForChecks(
                    segments: file.paths, node: file.node, nodes: nodeIndex.positions,
                    nodeCount: nodeIndex.names.count, onCompact: onCompact
                ) { event, line, rawData, denseClock in
                    try add(
                        RunEvent.make(
                            event, line: line, index: nodeIndex, memo: &memo, decodingPayloads: true,
                            rawData: rawData, denseClock: denseClock))
                }
                if !batch.isEmpty { _ = channel.put(batch) }
                healths.set(index, health)
                channel.close()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        var merger = KWayMerger(sources: channels.map { channel in { spent in channel.take(returning: spent) } })
        while let event = merger.next() {
            if !onEvent(event) { break }
        }
        for channel in channels { channel.cancel() }
        for channel in channels { channel.waitClosed() }
        return healths.values
    }

    /// Streams every event file by file, without merging: node by node in name order, each node's segments in
    /// order, on the calling thread. The cheap pass for readers that order events themselves (the exporters, tests).
    /// An error thrown by `body` stops the pass and is rethrown; a file that cannot be read is reported in its health.
    /// - Returns: the health of every node's file, in node order.
    @discardableResult
    public func forEachEventInFileOrder(
        _ body: (_ node: String, _ event: TraceEvent) throws -> Void
    ) throws
        -> [FileHealth]
    {
        var healths: [FileHealth] = []
        for file in segments {
            var failure: (any Error)?
            let health = TraceFileReader().read(segments: file.paths, node: file.node) { event, _ in
                do { try body(file.node, event) } catch {
                    failure = error
                    throw error
                }
            }
            if let failure { throw failure }
            healths.append(health)
        }
        return healths
    }
}

/// Merges per-node streams, each already in file order, by (clock sum, node, line).
struct KWayMerger {
    /// Each source gives its next batch, or nil at its end; it is handed the batch the merge is done with.
    private var sources: [(_ spent: EventBatch) -> EventBatch?]
    private var buffers: [EventBatch]
    private var positions: [Int]
    /// The merge key of each source's next event (`live`: the source has one), copied from its batch's keys: the
    /// event itself is not touched (nor retained) until it is delivered.
    private var live: [Bool]
    private var heads: [EventBatch.Key]
    /// The sum of the words `EventBatch.touch` read (kept so the reads are not optimized away).
    private var touched: UInt64 = 0

    init(sources: [(_ spent: EventBatch) -> EventBatch?]) {
        self.sources = sources
        buffers = Array(repeating: EventBatch(), count: sources.count)
        positions = Array(repeating: 0, count: sources.count)
        live = Array(repeating: false, count: sources.count)
        heads = Array(repeating: EventBatch.Key(), count: sources.count)
        for index in sources.indices { refill(index) }
    }

    private mutating func refill(_ index: Int) {
        buffers[index].detachKept()
        let spent = buffers[index]
        buffers[index] = EventBatch()
        buffers[index] = sources[index](spent) ?? EventBatch()
        positions[index] = 0
        touched &+= buffers[index].touch()
        loadHead(index)
    }

    private mutating func loadHead(_ index: Int) {
        guard positions[index] < buffers[index].count else {
            live[index] = false
            return
        }
        live[index] = true
        heads[index] = buffers[index].keys[positions[index]]
    }

    mutating func next() -> RunEvent? {
        var best = -1
        for index in live.indices where live[index] {
            if best < 0 || headPrecedes(index, best) { best = index }
        }
        guard best >= 0 else { return nil }
        let event = buffers[best].events[positions[best]]
        positions[best] += 1
        if positions[best] == buffers[best].count { refill(best) } else { loadHead(best) }
        return event
    }

    /// `precedes` on the heads of two sources.
    private func headPrecedes(_ lhs: Int, _ rhs: Int) -> Bool {
        let (left, right) = (heads[lhs], heads[rhs])
        if left.sum != right.sum { return left.sum < right.sum }
        guard left.node >= 0 && right.node >= 0 else {
            return Self.precedes(buffers[lhs].events[positions[lhs]], buffers[rhs].events[positions[rhs]])
        }
        return left.node != right.node ? left.node < right.node : left.line < right.line
    }

    /// The merge order: a linear extension of happened-before, deterministic for a given run.
    static func precedes(_ lhs: RunEvent, _ rhs: RunEvent) -> Bool {
        if lhs.clockSum != rhs.clockSum { return lhs.clockSum < rhs.clockSum }
        // Node numbers follow node names (`NodeIndex` sorts them); compare names only for unindexed nodes.
        if lhs.node != rhs.node {
            return lhs.node >= 0 && rhs.node >= 0 ? lhs.node < rhs.node : lhs.envelope.node < rhs.envelope.node
        }
        if lhs.node < 0 && lhs.envelope.node != rhs.envelope.node { return lhs.envelope.node < rhs.envelope.node }
        return lhs.line < rhs.line
    }
}

/// Orders in-memory events like `RunLoader` orders files: per node in the given order, merged by clock sum.
public enum CausalMerge {
    /// `events` grouped by node (keeping their order within a node) and merged.
    public static func merge(_ events: [TraceEvent], index: NodeIndex? = nil) -> [RunEvent] {
        let index = index ?? NodeIndex(events.map(\.node))
        var byNode: [String: [RunEvent]] = [:]
        for event in events {
            var list = byNode[event.node, default: []]
            list.append(RunEvent.make(event, line: list.count + 1, index: index))
            byNode[event.node] = list
        }
        var lists = byNode.keys.sorted().map { EventBatch(byNode[$0]!) }
        var merger = KWayMerger(
            sources: lists.indices.map { index in
                { _ in
                    defer { lists[index] = EventBatch() }
                    return lists[index].isEmpty ? nil : lists[index]
                }
            })
        var result: [RunEvent] = []
        while let event = merger.next() { result.append(event) }
        return result
    }
}

/// The file healths, written by reader threads.
final class HealthSlots: Sendable {
    private let slots: Mutex<[FileHealth?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ health: FileHealth) { slots.withLock { $0[index] = health } }

    var values: [FileHealth] { slots.withLock { $0.compactMap { $0 } } }
}
