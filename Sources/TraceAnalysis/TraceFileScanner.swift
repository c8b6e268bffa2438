import Causality
import TraceFormat

/// The nodes of a run, numbered in name order, so clocks can be compared as arrays instead of dictionaries.
public final class NodeIndex: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: some Sequence<String>) {
        self.names = Set(names).sorted()
        positions = Dictionary(uniqueKeysWithValues: self.names.enumerated().map { ($1, $0) })
    }

    public func position(_ node: String) -> Int? { positions[node] }

    /// The clock as an array by node number, and whether it also names nodes outside the index.
    func dense(_ clock: VectorClock) -> (values: [UInt64], external: Bool) {
        var values = [UInt64](repeating: 0, count: names.count)
        var external = false
        for (node, counter) in clock.entries {
            if let position = positions[node] { values[position] = counter } else { external = true }
        }
        return (values, external)
    }
}

/// One event as read from a run: the event, where it came from, and its merge key.
///
/// A class, so that handing events through the merge and keeping the last one per node costs one retain.
public final class RunEvent: Sendable {
    public let event: TraceEvent
    /// 1-based line in the node's decompressed file (0 for events built in memory).
    public let line: Int
    /// The sum of the clock's entries: a linear extension of happened-before (`a → b` ⇒ `sum(a) < sum(b)`).
    public let clockSum: UInt64
    /// The recording node's number in the run's `NodeIndex`.
    let node: Int
    /// The clock by node number.
    let dense: [UInt64]
    /// True when the clock names nodes outside the index (then the dictionary clock is authoritative).
    let external: Bool

    public init(_ event: TraceEvent, line: Int = 0, index: NodeIndex) {
        self.event = event
        self.line = line
        clockSum = event.clock.entries.values.reduce(0, &+)
        node = index.position(event.node) ?? -1
        (dense, external) = index.dense(event.clock)
    }

    /// vc(self) ≤ vc(other), entry by entry.
    func isDominated(by other: RunEvent) -> Bool {
        if external || other.external { return event.clock.isDominated(by: other.event.clock) }
        for position in dense.indices where dense[position] > other.dense[position] { return false }
        return true
    }

    /// How this event's clock relates to `other`'s.
    func compare(_ other: RunEvent) -> CausalOrder {
        if external || other.external { return event.clock.compare(other.event.clock) }
        var less = false
        var greater = false
        for position in dense.indices {
            if dense[position] < other.dense[position] {
                less = true
            } else if dense[position] > other.dense[position] {
                greater = true
            }
        }
        switch (less, greater) {
        case (false, false): return .equal
        case (true, false): return .before
        case (false, true): return .after
        case (true, true): return .concurrent
        }
    }
}

/// What reading one node's file found besides its events (damage, malformed lines, counts).
public struct FileHealth: Sendable, Codable, Equatable {
    public var node: String
    public var path: String
    public var events = 0
    public var lines = 0
    /// `path:line: reason` for each malformed line (at most `TraceFileScanner.maximumKeptMalformed`).
    public var malformed: [String] = []
    public var malformedCount = 0
    /// Damage found in the compressed stream, in file order.
    public var damages: [String] = []
    /// True when the last gzip member has no trailer: the node was killed or is still running.
    public var truncated = false
    /// True when invalid compressed data was met (reading resumed at the next member, if any).
    public var corrupt = false
    public var droppedTailBytes = 0
    /// Set when the file could not be opened or read at all.
    public var unreadable: String?

    public init(node: String, path: String) {
        self.node = node
        self.path = path
    }

    /// True when events of this node may be missing from the file (so references to them are "lost?").
    public var mayHaveLostEvents: Bool { truncated || corrupt || droppedTailBytes > 0 || unreadable != nil }

    /// Diagnostics for stderr, one per problem.
    public var problems: [String] {
        var result = malformed
        if malformedCount > malformed.count {
            result.append("\(path): \(malformedCount - malformed.count) more malformed lines")
        }
        result += damages.map { "\(path): \($0)" }
        if droppedTailBytes > 0 { result.append("\(path): dropped \(droppedTailBytes) bytes of a partial last line") }
        if let unreadable { result.append(unreadable) }
        return result
    }
}

/// Streams one `.jsonl.gz` file as `RunEvent`s with line numbers, with the fast decoder and the reference
/// decoder as fallback. Damage is recorded in `FileHealth`; reading resumes at the next gzip member.
public struct TraceFileScanner {
    public static let maximumKeptMalformed = 100

    public init() {}

    /// Reads the segments `paths` of `node` in order as one stream (line numbers continue across segments),
    /// calling `onEvent` for each valid event. The health names the first segment and sums the others' problems.
    public func scan(
        paths: [String], node: String, index: NodeIndex, onEvent: (RunEvent) throws -> Void
    ) -> FileHealth {
        guard paths.count > 1 else { return scan(path: paths.first ?? "", node: node, index: index, onEvent: onEvent) }
        var total = FileHealth(node: node, path: paths[0])
        for path in paths {
            let lineBase = total.lines
            let health = scan(path: path, node: node, index: index) { event in
                try onEvent(RunEvent(event.event, line: lineBase + event.line, index: index))
            }
            total.events += health.events
            total.lines += health.lines
            total.malformed += health.malformed
            total.malformedCount += health.malformedCount
            total.damages += health.damages.map { "\(path.split(separator: "/").last.map(String.init) ?? path): \($0)" }
            // Only the last segment is cut by a kill; a cut earlier segment is damage too (events are missing).
            total.truncated = total.truncated || health.truncated
            total.corrupt = total.corrupt || health.corrupt
            total.droppedTailBytes += health.droppedTailBytes
            if let unreadable = health.unreadable { total.unreadable = unreadable }
        }
        return total
    }

    /// Reads `path` (the file of `node`), calling `onEvent` for each valid event in file order.
    public func scan(
        path: String, node: String, index: NodeIndex, onEvent: (RunEvent) throws -> Void
    ) -> FileHealth {
        var health = FileHealth(node: node, path: path)
        var fast = FastEventDecoder()
        let reference = TraceEventDecoder()
        var pending: [UInt8] = []

        func malformed(_ reason: String) {
            health.malformedCount += 1
            if health.malformed.count < Self.maximumKeptMalformed {
                health.malformed.append("\(path):\(health.lines): malformed event: \(reason)")
            }
        }

        func handle(_ line: UnsafeBufferPointer<UInt8>) throws {
            health.lines += 1
            if line.isEmpty { return }
            var decoded = fast.decode(line)
            if decoded == nil {
                do {
                    decoded = try reference.decode(line)
                } catch {
                    malformed(Self.reason(error))
                    return
                }
            }
            guard let event = decoded else { return }
            guard event.version == TraceEvent.schemaVersion else {
                malformed("trace format version \(event.version) is not supported (this reader supports 1)")
                return
            }
            health.events += 1
            try onEvent(RunEvent(event, line: health.lines, index: index))
        }

        do {
            let decompressor = try GzipDecompressor()
            let damages = try decompressor.decompressFile(
                at: path,
                onResume: { _ in
                    health.droppedTailBytes += pending.count
                    pending.removeAll(keepingCapacity: true)
                },
                { chunk in
                    var start = 0
                    for index in 0..<chunk.count where chunk[index] == 0x0A {
                        if pending.isEmpty {
                            try handle(UnsafeBufferPointer(rebasing: chunk[start..<index]))
                        } else {
                            pending.append(contentsOf: chunk[start..<index])
                            try pending.withUnsafeBufferPointer { try handle($0) }
                            pending.removeAll(keepingCapacity: true)
                        }
                        start = index + 1
                    }
                    pending.append(contentsOf: chunk[start..<chunk.count])
                })
            health.droppedTailBytes += pending.count
            for damage in damages {
                health.damages.append(damage.description)
                switch damage {
                case .truncated: health.truncated = true
                case .corrupt: health.corrupt = true
                }
            }
        } catch {
            health.unreadable = "\(error)"
        }
        return health
    }

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
}
