import Foundation

/// The files of a queue's data directory: log segments `wal-<generation>.log` and snapshots
/// `snapshot-<generation>.bin`. Snapshot G holds the state before segment G; recovery reads the newest snapshot
/// and replays every segment from its generation on.
struct StoreLayout {
    let directory: String

    func segment(_ generation: UInt64) -> String { path("wal-", generation, ".log") }
    func snapshot(_ generation: UInt64) -> String { path("snapshot-", generation, ".bin") }

    private func path(_ prefix: String, _ generation: UInt64, _ suffix: String) -> String {
        let digits = String(generation)
        let padded = String(repeating: "0", count: max(0, 10 - digits.count)) + digits
        return (directory as NSString).appendingPathComponent(prefix + padded + suffix)
    }

    /// Generations of the segments and snapshots present, ascending; leftover temporary files are removed.
    func scan() throws -> (segments: [UInt64], snapshots: [UInt64]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        var segments: [UInt64] = []
        var snapshots: [UInt64] = []
        for name in names {
            if name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
            } else if let generation = Self.generation(name, prefix: "wal-", suffix: ".log") {
                segments.append(generation)
            } else if let generation = Self.generation(name, prefix: "snapshot-", suffix: ".bin") {
                snapshots.append(generation)
            }
        }
        return (segments.sorted(), snapshots.sorted())
    }

    private static func generation(_ name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return UInt64(name.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// Removes segments and snapshots older than `generation` (covered by snapshot `generation`).
    func removeBefore(_ generation: UInt64) throws {
        let (segments, snapshots) = try scan()
        for old in segments where old < generation { try? FileManager.default.removeItem(atPath: segment(old)) }
        for old in snapshots where old < generation { try? FileManager.default.removeItem(atPath: snapshot(old)) }
    }
}
