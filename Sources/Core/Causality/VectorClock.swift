/// A vector clock: for every node, how many events of that node are known to have happened.
///
/// A plain value type with no IO and no clock reads. Absent entries count as zero, so `{"a":1}` and
/// `{"a":1,"b":0}` are equal. Encodes as a flat JSON object, `{"orchestrator":3,"fraud":1}`.
///
/// Stored as one compact array of entries sorted by node id (no dictionary, no hashing): lookups are binary
/// searches, `merge`, `compare` and `isDominated` one linear walk over both clocks, and the text form (`description`,
/// the `X-Vector-Clock` header, the trace's `vc`) is written in order without sorting. Node ids of a cluster are
/// short (at most 15 bytes stay inline in the `String`, with no reference counting). Every RPC ticks, merges,
/// parses and prints clocks, so this is on the hot path of every request.
public struct VectorClock: Sendable, Hashable {
    /// One node's counter: the node id (`key`) and how many of its events are known (`value`, never zero in a
    /// clock). The element type of `entries` too, so code iterating either reads the same.
    public typealias Entry = (key: String, value: UInt64)

    /// Sorted by `key` (`String` order), node ids unique, counters never zero.
    private var storage: [Entry]

    /// An empty clock: nothing is known yet.
    public init() { storage = [] }

    /// A clock with the given counters; zero counters are dropped.
    public init(_ entries: [String: UInt64]) {
        var storage: [Entry] = []
        storage.reserveCapacity(entries.count)
        for (node, counter) in entries where counter > 0 { storage.append((node, counter)) }
        storage.sort { $0.key < $1.key }
        self.storage = storage
    }

    /// A clock from entries in any order (already sorted by node id is the cheap case); zero counters are dropped
    /// and a node named twice keeps its largest counter.
    public init(_ entries: [Entry]) {
        var sorted = true
        for index in entries.indices.dropFirst() where !(entries[index - 1].key < entries[index].key) {
            sorted = false
            break
        }
        if sorted {
            storage = entries.contains { $0.value == 0 } ? entries.filter { $0.value > 0 } : entries
            return
        }
        var storage: [Entry] = []
        storage.reserveCapacity(entries.count)
        for entry in entries.sorted(by: { $0.key < $1.key }) where entry.value > 0 {
            if let last = storage.last, last.key == entry.key {
                if entry.value > last.value { storage[storage.count - 1] = entry }
            } else {
                storage.append(entry)
            }
        }
        self.storage = storage
    }

    /// For parsers that keep the invariant themselves.
    init(uncheckedSorted entries: [Entry]) { storage = entries }

    /// Node id → counter, as a dictionary (built on each call: iterate `sortedEntries` on hot paths).
    public var entries: [String: UInt64] {
        var result: [String: UInt64] = Dictionary(minimumCapacity: storage.count)
        for entry in storage { result[entry.key] = entry.value }
        return result
    }

    /// The entries in node id order (no copy is made).
    public var sortedEntries: [Entry] { storage }

    /// How many nodes have a counter above zero.
    public var count: Int { storage.count }

    /// True when no node has a counter above zero.
    public var isEmpty: Bool { storage.isEmpty }

    /// The sum of all counters (wrapping): a linear extension of happened-before.
    public var counterSum: UInt64 { storage.reduce(0) { $0 &+ $1.value } }

    /// Where `node` is in `storage`, or where it would be inserted.
    private func position(of node: String) -> (index: Int, found: Bool) {
        var low = 0
        var high = storage.count
        while low < high {
            let middle = (low + high) / 2
            let current = storage[middle].key
            if current == node { return (middle, true) }
            if current < node { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }

    /// The counter of `node` (zero when absent).
    public subscript(node: String) -> UInt64 {
        let (index, found) = position(of: node)
        return found ? storage[index].value : 0
    }

    /// Records one local event of `node`: its own counter grows by one. Never traps: a counter at
    /// `UInt64.max` stays there (see `canTick`; servers refuse wire clocks long before, see `WireClockLimits`).
    public mutating func tick(_ node: String) {
        let (index, found) = position(of: node)
        if found {
            let current = storage[index].value
            storage[index] = (node, current == .max ? .max : current + 1)
        } else {
            storage.insert((node, 1), at: index)
        }
    }

    /// True when `node`'s own counter can still grow: a node whose entry would overflow must refuse the event.
    public func canTick(_ node: String) -> Bool {
        self[node] < .max
    }

    /// Takes the entry-wise maximum with `other` (the least upper bound of both clocks).
    public mutating func merge(_ other: VectorClock) {
        if other.storage.isEmpty { return }
        if storage.isEmpty {
            storage = other.storage
            return
        }
        // The usual case: every node of `other` is known here already; counters are raised in place.
        var mine = 0
        var theirs = 0
        while theirs < other.storage.count {
            let incoming = other.storage[theirs]
            while mine < storage.count && storage[mine].key < incoming.key { mine += 1 }
            guard mine < storage.count, storage[mine].key == incoming.key else {
                storage = Self.union(storage, other.storage)
                return
            }
            if incoming.value > storage[mine].value { storage[mine] = incoming }
            mine += 1
            theirs += 1
        }
    }

    /// The entry-wise maximum of two sorted entry arrays.
    private static func union(_ left: [Entry], _ right: [Entry]) -> [Entry] {
        var result: [Entry] = []
        result.reserveCapacity(left.count + right.count)
        var l = 0
        var r = 0
        while l < left.count && r < right.count {
            let a = left[l]
            let b = right[r]
            if a.key == b.key {
                result.append(a.value >= b.value ? a : b)
                l += 1
                r += 1
            } else if a.key < b.key {
                result.append(a)
                l += 1
            } else {
                result.append(b)
                r += 1
            }
        }
        result.append(contentsOf: left[l...])
        result.append(contentsOf: right[r...])
        return result
    }

    /// The receive rule: merge the message's clock, then tick the receiver's own entry.
    public mutating func receive(_ message: VectorClock, at node: String) {
        merge(message)
        tick(node)
    }

    /// The least upper bound of two clocks.
    public func merged(with other: VectorClock) -> VectorClock {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// How this clock relates to `other` in the happened-before partial order.
    public func compare(_ other: VectorClock) -> CausalOrder {
        var someLess = false
        var someGreater = false
        var l = 0
        var r = 0
        let left = storage
        let right = other.storage
        while l < left.count || r < right.count {
            if r == right.count || (l < left.count && left[l].key < right[r].key) {
                someGreater = true  // only here: ours is above their zero
                l += 1
            } else if l == left.count || right[r].key < left[l].key {
                someLess = true
                r += 1
            } else {
                if left[l].value < right[r].value { someLess = true }
                if left[l].value > right[r].value { someGreater = true }
                l += 1
                r += 1
            }
            if someLess && someGreater { return .concurrent }
        }
        switch (someLess, someGreater) {
        case (false, false): return .equal
        case (true, false): return .before
        case (false, true): return .after
        case (true, true): return .concurrent
        }
    }

    /// True when every entry of `self` is at most the matching entry of `other`.
    public func isDominated(by other: VectorClock) -> Bool {
        var r = 0
        let right = other.storage
        for entry in storage {
            while r < right.count && right[r].key < entry.key { r += 1 }
            guard r < right.count, right[r].key == entry.key, entry.value <= right[r].value else { return false }
            r += 1
        }
        return true
    }

    /// Node ids in a stable order (sorted), for deterministic output.
    public var sortedNodes: [String] { storage.map(\.key) }

    public static func == (left: VectorClock, right: VectorClock) -> Bool {
        left.storage.count == right.storage.count
            && zip(left.storage, right.storage).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.count)
        for entry in storage {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}

/// The relation of two vector clocks.
public enum CausalOrder: String, Sendable, Codable {
    /// The left clock happened before the right one.
    case before
    /// The left clock happened after the right one.
    case after
    /// Both clocks are the same.
    case equal
    /// Neither happened before the other.
    case concurrent
}
