import Foundation
import Synchronization
import TraceFormat

/// The order index of a run: one `TraceFileIndex` per trace file, built once (in parallel, one pass over the files)
/// and kept in a cache directory (`BOOKSTORE_TRACE_INDEX_DIR`, else `$XDG_CACHE_HOME/bookstore/trace-index`, else
/// `~/.cache/bookstore/trace-index`), so that `timeline --order` reads only the gzip members that mention the order
/// (and any unindexed damaged tail). A file whose size or modification time changed is indexed again.
public enum RunIndex {
    /// The events of the run that `filter` selects, which must name an order, in causal merge order, with the
    /// health of what was read (the members of the order and the files' unindexed tails).
    public static func select(
        loader: RunLoader, filter: EventFilter, keep: (TraceEvent) -> Bool = { _ in true }
    ) -> (events: [RunEvent], health: [FileHealth]) {
        let order = filter.order ?? ""
        let start = loader.start ?? 0
        let index = loader.index
        let segments = loader.segments.flatMap { node in node.paths.map { (node: node.node, path: $0) } }
        let results = Mutex<[Int: ([TraceEvent], FileHealth)]>([:])
        DispatchQueue.concurrentPerform(iterations: segments.count) { position in
            let (node, path) = segments[position]
            let found = read(path: path, node: node, order: order)
            results.withLock { $0[position] = found }
        }
        let all = results.withLock { $0 }
        var byNode: [String: [RunEvent]] = [:]
        var health: [String: FileHealth] = [:]
        for (position, (node, _)) in segments.enumerated() {
            guard let (events, fileHealth) = all[position] else { continue }
            for event in events where filter.matches(event, start: start) && keep(event) {
                var list = byNode[node, default: []]
                list.append(RunEvent.make(event, line: list.count + 1, index: index))
                byNode[node] = list
            }
            if var known = health[node] {
                known.append(segment: fileHealth)
                health[node] = known
            } else {
                health[node] = fileHealth
            }
        }
        var lists = byNode.keys.sorted().map { EventBatch(byNode[$0]!) }
        var merger = KWayMerger(
            sources: lists.indices.map { position in
                { _ in
                    defer { lists[position] = EventBatch() }
                    return lists[position].isEmpty ? nil : lists[position]
                }
            })
        var selected: [RunEvent] = []
        while let event = merger.next() {
            selected.append(event)
            if let limit = filter.limit, selected.count >= limit { break }
        }
        return (selected, loader.files.map { health[$0.node] ?? FileHealth(node: $0.node, path: $0.path) })
    }

    /// The events of `order` in one file: its indexed members, then its unindexed tail.
    static func read(path: String, node: String, order: String) -> ([TraceEvent], FileHealth) {
        var health = FileHealth(node: node, path: path)
        guard let index = try? load(path) else {
            health.unreadable = "\(path): cannot be indexed"
            return ([], health)
        }
        var events: [TraceEvent] = []
        let inflater = MemberInflater()
        var decoder = LineDecoder(node: node)
        for member in index.members(matching: order) {
            struct Stop: Error {}
            _ = try? inflater.wholeMembers(at: path, startOffset: index.members[member]) { _, content in
                decoder.decode(content) { event in
                    if EventFilter.belongs(event, to: order) { events.append(event) }
                }
                throw Stop()
            }
        }
        if let tail = index.tail {
            var tailHealth =
                (try? TraceFileReader().read(path: path, from: tail) { event in
                    guard event.node == node, EventFilter.belongs(event, to: order) else { return }
                    events.append(event)
                }) ?? FileHealth(node: node, path: path)
            tailHealth.node = node
            health = tailHealth
        }
        return (events, health)
    }

    /// The index of `path`: from the cache when it is current, else built and stored.
    static func load(_ path: String) throws -> TraceFileIndex {
        let real = (path as NSString).resolvingSymlinksInPath
        let cache = cacheFile(for: real)
        if let stamp = TraceFileIndex.stamp(real), let data = FileManager.default.contents(atPath: cache),
            let index = IndexCoding.decode([UInt8](data)), index.path == real, index.size == stamp.size,
            index.modified == stamp.modified
        {
            return index
        }
        let index = try TraceFileIndex.build(real)
        let directory = (cache as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = cache + ".\(getpid()).tmp"
        if FileManager.default.createFile(atPath: temporary, contents: Data(IndexCoding.encode(index))) {
            if rename(temporary, cache) != 0 { unlink(temporary) }
        }
        return index
    }

    /// Where the index of the file at `real` (a resolved path) is kept.
    static func cacheFile(for real: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let root =
            environment["BOOKSTORE_TRACE_INDEX_DIR"]
            ?? (environment["XDG_CACHE_HOME"].map { $0 + "/bookstore/trace-index" })
            ?? (NSHomeDirectory() + "/.cache/bookstore/trace-index")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in real.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let name = (real as NSString).lastPathComponent
        return root + "/" + String(hash, radix: 16) + "-" + name + ".idx"
    }
}

/// Decodes the complete lines of a buffer into events, as `TraceFileReader` does (fast decoder first, the
/// reference decoder as fallback; other versions and other nodes' events skipped).
struct LineDecoder {
    let node: String
    private var fast = FastEventDecoder()
    private let reference = TraceEventDecoder()

    init(node: String) { self.node = node }

    mutating func decode(_ content: UnsafeBufferPointer<UInt8>, _ found: (TraceEvent) -> Void) {
        guard let base = content.baseAddress else { return }
        var start = 0
        while start < content.count, let hit = memchr(base + start, 0x0A, content.count - start) {
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            let line = UnsafeBufferPointer(rebasing: content[start..<end])
            start = end + 1
            guard !line.isEmpty, let event = fast.decode(line) ?? (try? reference.decode(line)),
                event.version == TraceEvent.schemaVersion, event.node == node
            else { continue }
            found(event)
        }
    }
}
