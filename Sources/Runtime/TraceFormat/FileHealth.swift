/// What reading one node's trace found besides its events: counts, malformed lines, damage in the compressed
/// stream, or why it could not be read at all. The one health report of the trace readers: `TraceFileReader`
/// fills it (for one file, or for a node's segments read as one stream); the analyzer's checks, `trace-analyzer`'s
/// outputs, the exporters and the tests read it.
public struct FileHealth: Sendable, Equatable, Encodable {
    /// A line that is not a valid event.
    public struct MalformedLine: Sendable, Equatable, CustomStringConvertible {
        /// The file it is in.
        public var path: String
        /// 1-based line number in the decompressed file.
        public var line: Int
        public var reason: String

        public var description: String { "\(path):\(line): malformed event: \(reason)" }
    }

    /// Damage met in the compressed stream.
    public struct Damage: Sendable, Equatable, CustomStringConvertible {
        /// The segment's file name, set when the health covers several segments of a node.
        public var segment: String?
        public var damage: GzipDamage

        public var description: String { segment.map { "\($0): \(damage)" } ?? damage.description }
    }

    public var node: String
    /// The file read (the first segment when several were read as one stream).
    public var path: String
    /// Events decoded and handed on.
    public var events = 0
    /// Complete lines read (valid or not).
    public var lines = 0
    /// The first `TraceFileReader.maximumKeptMalformed` malformed lines.
    public var malformed: [MalformedLine] = []
    /// Every malformed line, kept or not.
    public var malformedCount = 0
    /// Damage found in the compressed stream, in file order; reading resumes at the next gzip member after each.
    public var damages: [Damage] = []
    /// Compressed offsets where reading resumed after damage (a restarted node's new member, typically).
    public var resumedAt: [Int] = []
    /// True when a gzip member has no trailer: the node was killed or is still running.
    public var truncated = false
    /// True when invalid compressed data was met (reading resumed at the next member, if any).
    public var corrupt = false
    /// Bytes of a last line that had no newline (cut by the damage) and were dropped.
    public var droppedTailBytes = 0
    /// Set when the file could not be opened or read at all, or is not a gzip file.
    public var unreadable: String?
    /// Lines in a trace format version this reader does not support (also counted as malformed).
    public var unsupportedVersionLines = 0
    /// The first unsupported version met.
    public var unsupportedVersion: Int?
    /// When a member failed its check (CRC-32 or length): the first line read from the first gzip member that did not
    /// decode whole. The check comes only after a member's lines were delivered, so its lines, and the ones read
    /// after it, are suspect (docs/trace-format.md §1.7): a flipped bit can change an id and keep the line well-formed.
    public var suspectFromLine: Int?

    /// Why the run cannot be verified because of this file (events of it cannot be read), or nil: a file that is
    /// not gzip or cannot be read, or whose events are in a format version this reader does not support (the whole
    /// file, or more than one line: a writer of another version, not one damaged line, which stays a malformed line).
    public var unverifiable: String? {
        if let unreadable { return unreadable }
        guard unsupportedVersionLines > 1 || (unsupportedVersionLines == 1 && events == 0),
            let unsupportedVersion
        else { return nil }
        let share = events == 0 ? "all \(unsupportedVersionLines) lines" : "\(unsupportedVersionLines) lines"
        return "\(path): \(share) are in trace format version \(unsupportedVersion), which this reader does not "
            + "support (it supports \(TraceEvent.schemaVersion))"
    }

    public init(node: String, path: String) {
        self.node = node
        self.path = path
    }

    /// The first damage, if any.
    public var damage: GzipDamage? { damages.first?.damage }

    /// True when the file was read whole and every line was an event.
    public var isClean: Bool { malformedCount == 0 && damages.isEmpty && droppedTailBytes == 0 && unreadable == nil }

    /// True when events of this node may be missing from the file (so references to them are "lost?").
    public var mayHaveLostEvents: Bool {
        truncated || corrupt || droppedTailBytes > 0 || unreadable != nil || unsupportedVersionLines > 0
    }

    /// Diagnostics for stderr, one per problem.
    public var problems: [String] {
        var result = malformed.map(\.description)
        if malformedCount > malformed.count {
            result.append("\(path): \(malformedCount - malformed.count) more malformed lines")
        }
        // One line per damage; bytes dropped with a cut line are told with the damage that cut it.
        var damageLines = damages.map { "\(path): \($0)" }
        if droppedTailBytes > 0 {
            let dropped = "dropped \(droppedTailBytes) bytes of a partial last line"
            if damageLines.isEmpty {
                damageLines.append("\(path): \(dropped)")
            } else {
                damageLines[damageLines.count - 1] += "; " + dropped
            }
        }
        result += damageLines
        if let unreadable { result.append(unreadable) }
        return result
    }

    mutating func record(_ damage: GzipDamage, segment: String? = nil) {
        damages.append(Damage(segment: segment, damage: damage))
        switch damage {
        case .truncated: truncated = true
        case .corrupt: corrupt = true
        }
    }

    mutating func recordMalformed(line: Int, path: String, reason: String) {
        malformedCount += 1
        if malformed.count < TraceFileReader.maximumKeptMalformed {
            malformed.append(MalformedLine(path: path, line: line, reason: reason))
        }
    }

    /// Adds the counts and problems of a later segment `other` (its damage named by its file name).
    public mutating func append(segment other: FileHealth) {
        events += other.events
        lines += other.lines
        malformed += other.malformed.prefix(max(0, TraceFileReader.maximumKeptMalformed - malformed.count))
        malformedCount += other.malformedCount
        let name = other.path.split(separator: "/").last.map(String.init) ?? other.path
        damages += other.damages.map { Damage(segment: name, damage: $0.damage) }
        resumedAt += other.resumedAt
        // Only the last segment is cut by a kill; a cut earlier segment is damage too (events are missing).
        truncated = truncated || other.truncated
        corrupt = corrupt || other.corrupt
        droppedTailBytes += other.droppedTailBytes
        unsupportedVersionLines += other.unsupportedVersionLines
        unsupportedVersion = unsupportedVersion ?? other.unsupportedVersion
        if let unreadable = other.unreadable { self.unreadable = unreadable }
    }

    /// The form `trace-analyzer`'s JSON outputs have always shown: malformed lines and damage as text.
    private struct Encoded: Encodable {
        var node: String
        var path: String
        var events: Int
        var lines: Int
        var malformed: [String]
        var malformedCount: Int
        var damages: [String]
        var truncated: Bool
        var corrupt: Bool
        var droppedTailBytes: Int
        var unreadable: String?
        var unverifiable: String?
    }

    public func encode(to encoder: any Encoder) throws {
        try Encoded(
            node: node, path: path, events: events, lines: lines, malformed: malformed.map(\.description),
            malformedCount: malformedCount, damages: damages.map(\.description), truncated: truncated,
            corrupt: corrupt, droppedTailBytes: droppedTailBytes, unreadable: unreadable,
            unverifiable: unverifiable
        ).encode(to: encoder)
    }
}
