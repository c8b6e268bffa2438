import Causality
import Foundation

/// `<run>/<node>.state`: what a restarted node needs to continue its trace without reading it whole.
///
/// JSON, replaced atomically (temporary file + rename) at start, every `stateIntervalNanos` while events flow,
/// when a segment rotates, when the reservation runs out, and at close. See docs/trace-format.md §State file.
public struct TraceNodeState: Codable, Sendable, Equatable {
    /// The version of the state file format.
    public static let formatVersion = 1
    /// The largest counter (clock entry, reservation) accepted back from disk: the wire's bound.
    public static let maximumCounter: UInt64 = 1 << 53
    /// At most this many clock entries are accepted back.
    public static let maximumEntries = 256
    /// The largest state file read (bytes).
    public static let maximumFileBytes = 256 * 1024

    public var version: Int
    public var node: String
    /// The clock of the last event the writer had written when the state was saved.
    public var clock: [String: UInt64]
    /// The node's own entry never exceeds this in the incarnation that wrote it.
    public var reserved: UInt64
    /// The segment being written, and the compressed offset in it where the current gzip member starts.
    public var segment: Int
    public var memberOffset: Int
    /// Remembered highest values (`TraceStateWatch`), e.g. `"epoch": "3.2"`.
    public var highest: [String: String]

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case node, clock, reserved, segment
        case memberOffset = "member_offset"
        case highest
    }

    public init(
        node: String, clock: [String: UInt64], reserved: UInt64, segment: Int, memberOffset: Int,
        highest: [String: String] = [:]
    ) {
        self.version = Self.formatVersion
        self.node = node
        self.clock = clock
        self.reserved = reserved
        self.segment = segment
        self.memberOffset = memberOffset
        self.highest = highest
    }

    /// The state file of `node` in a run directory.
    public static func path(node: String, directory: String) -> String {
        (directory as NSString).appendingPathComponent("\(node).state")
    }

    /// Why a state file was not used.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and validates the state of `node` (nil when there is no file).
    /// - Throws: `Invalid` when the file exists but cannot be used.
    public static func load(
        node: String, directory: String, settings: TraceFileSettings = .current
    ) throws(Invalid) -> TraceNodeState? {
        let path = path(node: node, directory: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Invalid(description: "\(path): unreadable") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumFileBytes + 1)) ?? Data()
        guard data.count <= maximumFileBytes else { throw Invalid(description: "\(path): larger than 256 KiB") }
        let state: TraceNodeState
        do {
            state = try JSONDecoder().decode(TraceNodeState.self, from: data)
        } catch {
            throw Invalid(description: "\(path): not a state file (\(error))")
        }
        if let problem = state.problem(node: node, settings: settings) {
            throw Invalid(description: "\(path): \(problem)")
        }
        return state
    }

    /// What makes this state unusable for `node`, checked with the wire's bounds; nil when it is valid.
    public func problem(node expected: String, settings: TraceFileSettings) -> String? {
        guard version == Self.formatVersion else { return "unsupported version \(version)" }
        guard node == expected else { return "written by \(node), not \(expected)" }
        guard clock.count <= Self.maximumEntries else { return "\(clock.count) clock entries" }
        if let bad = clock.first(where: { $0.value > Self.maximumCounter }) {
            return "clock entry \(bad.key) = \(bad.value) exceeds 2^53"
        }
        if let known = settings.knownNodes,
            let stranger = clock.keys.first(where: { $0 != node && !known.contains($0) })
        {
            return "clock names unknown node \(stranger)"
        }
        guard reserved <= Self.maximumCounter else { return "reservation \(reserved) exceeds 2^53" }
        guard (0...1_000_000).contains(segment), memberOffset >= 0 else { return "bad segment or offset" }
        for watch in settings.watches {
            if let value = highest[watch.name], !watch.isValid(value) { return "invalid \(watch.name) \(value)" }
        }
        return nil
    }

    /// The clock as a `VectorClock`.
    public var vectorClock: VectorClock { VectorClock(clock) }

    /// Writes the state to `path` atomically (temporary file in the same directory, then rename).
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw TraceReadError.cannotOpen(path, errno) }
    }
}
