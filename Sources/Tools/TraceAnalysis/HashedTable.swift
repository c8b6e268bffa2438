/// A key that carries its own well-mixed 64-bit hash (`IDHash`), computed once.
protocol HashedKey: Equatable {
    var hash64: UInt64 { get }
}

/// A hash table for the checks' per-message and per-request state, keyed by `HashedKey`s. The entries sit in dense
/// arrays; an open-addressing index (linear probing) maps each key's precomputed hash to its entry, storing the
/// hash's upper 32 bits next to the entry's position. A lookup compares those bits and calls `==` only when they
/// match, so that ids equal in their hash but different are still different keys. Nothing is hashed again: growing
/// rebuilds the index from the stored hashes without moving an entry, and removing one moves the last entry into its
/// place.
///
/// Cheaper than `Dictionary` for these keys: no per-operation seeded hashing of the key and no rehashing on growth or
/// removal. Iteration order is the entries' order (insertion order, changed by removals): deterministic, but callers
/// sort what they report.
struct HashedTable<Key: HashedKey, Value> {
    /// By index slot: the key's hash's upper 32 bits, then the entry's position + 1 (0: empty slot).
    private var index: [UInt64]
    /// The entries, by position (two arrays, so that a key is compared and a value changed in place).
    private var keys: [Key] = []
    private var entryValues: [Value] = []

    init() { index = Array(repeating: 0, count: 16) }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    private static func home(_ hash: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: hash) & mask }
    private static func packed(_ hash: UInt64, _ position: Int) -> UInt64 {
        hash & 0xffff_ffff_0000_0000 | UInt64(position + 1)
    }
    private static func position(_ packed: UInt64) -> Int { Int(truncatingIfNeeded: packed & 0xffff_ffff) - 1 }

    /// The index slot of `key` and its entry's position (-1 when absent: then the slot is the empty one it would take).
    private func find(_ key: Key, hash: UInt64) -> (slot: Int, position: Int) {
        let mask = index.count - 1
        let tag = hash & 0xffff_ffff_0000_0000
        var slot = Self.home(hash, mask)
        while true {
            let stored = index[slot]
            if stored == 0 { return (slot, -1) }
            if stored & 0xffff_ffff_0000_0000 == tag {
                let position = Self.position(stored)
                if keys[position] == key { return (slot, position) }
            }
            slot = (slot &+ 1) & mask
        }
    }

    subscript(key: Key) -> Value? {
        let position = find(key, hash: key.hash64).position
        return position < 0 ? nil : entryValues[position]
    }

    /// Adds an entry for `key`, known to be absent (its empty index slot is `slot`); returns its index slot (moved
    /// when the index grew) and position.
    private mutating func insert(_ key: Key, _ value: Value, hash: UInt64, slot: Int) -> (slot: Int, position: Int) {
        var slot = slot
        if (keys.count + 1) * 2 > index.count {
            grow()
            slot = emptySlot(hash)
        }
        index[slot] = Self.packed(hash, keys.count)
        keys.append(key)
        entryValues.append(value)
        return (slot, keys.count - 1)
    }

    /// The first empty index slot of the probe run of `hash`.
    private func emptySlot(_ hash: UInt64) -> Int {
        let mask = index.count - 1
        var slot = Self.home(hash, mask)
        while index[slot] != 0 { slot = (slot &+ 1) & mask }
        return slot
    }

    /// Sets `value` for `key`; returns the value it replaced.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        let hash = key.hash64
        let (slot, position) = find(key, hash: hash)
        guard position >= 0 else {
            _ = insert(key, value, hash: hash, slot: slot)
            return nil
        }
        var replaced = value
        swap(&entryValues[position], &replaced)
        return replaced
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        let (slot, position) = find(key, hash: key.hash64)
        guard position >= 0 else { return nil }
        return remove(slot: slot, position: position)
    }

    /// Runs `body` on the value of `key` (inserted as `make()` when absent), in place; removes the entry when
    /// `body` leaves `isEmpty(value)` true.
    mutating func modify<Result>(
        _ key: Key, default make: () -> Value, removingIf isEmpty: (Value) -> Bool,
        _ body: (inout Value) -> Result
    ) -> Result {
        let hash = key.hash64
        var (slot, position) = find(key, hash: hash)
        if position < 0 { (slot, position) = insert(key, make(), hash: hash, slot: slot) }
        let result = body(&entryValues[position])
        if isEmpty(entryValues[position]) { _ = remove(slot: slot, position: position) }
        return result
    }

    /// Runs `body` on the value of `key` in place when the table holds it (nil otherwise); removes the entry when
    /// `body` leaves `isEmpty(value)` true.
    @discardableResult
    mutating func modifyIfPresent<Result>(
        _ key: Key, removingIf isEmpty: (Value) -> Bool, _ body: (inout Value) -> Result
    ) -> Result? {
        let (slot, position) = find(key, hash: key.hash64)
        guard position >= 0 else { return nil }
        let result = body(&entryValues[position])
        if isEmpty(entryValues[position]) { _ = remove(slot: slot, position: position) }
        return result
    }

    /// What `transform` makes of each entry (nil: nothing), in the table's order.
    func compactMap<T>(_ transform: (Key, Value) -> T?) -> [T] {
        var result: [T] = []
        for position in keys.indices {
            if let made = transform(keys[position], entryValues[position]) { result.append(made) }
        }
        return result
    }

    /// Every value, in the table's order.
    var values: [Value] { entryValues }

    /// Removes the entry at `position` (indexed by `slot`): empties the slot, moves later slots of its probe run back
    /// so that every entry stays reachable from its home slot, and moves the last entry into `position`.
    private mutating func remove(slot: Int, position: Int) -> Value {
        let mask = index.count - 1
        var hole = slot
        var next = slot
        while true {
            next = (next &+ 1) & mask
            let stored = index[next]
            if stored == 0 { break }
            let home = Self.home(keys[Self.position(stored)].hash64, mask)
            // The slot at `next` may fill the hole unless its home lies after the hole (cyclically, up to `next`).
            if (next &- home) & mask >= (next &- hole) & mask {
                index[hole] = stored
                hole = next
            }
        }
        index[hole] = 0
        let last = keys.count - 1
        if position != last {
            // The last entry moves into `position`: its slot must point there.
            let hash = keys[last].hash64
            var probe = Self.home(hash, mask)
            while Self.position(index[probe]) != last { probe = (probe &+ 1) & mask }
            index[probe] = Self.packed(hash, position)
            keys.swapAt(position, last)
            entryValues.swapAt(position, last)
        }
        keys.removeLast()
        return entryValues.removeLast()
    }

    /// Removes every entry for which `shouldRemove` is true (keeping the others' order), in one pass.
    mutating func removeAll(where shouldRemove: (Key, Value) -> Bool) {
        var kept = 0
        for position in keys.indices where !shouldRemove(keys[position], entryValues[position]) {
            if kept != position {
                keys.swapAt(kept, position)
                entryValues.swapAt(kept, position)
            }
            kept += 1
        }
        guard kept < keys.count else { return }
        keys.removeSubrange(kept...)
        entryValues.removeSubrange(kept...)
        rebuildIndex(capacity: index.count)
    }

    /// Doubles the index and fills it again from the entries' hashes.
    private mutating func grow() { rebuildIndex(capacity: index.count * 2) }

    private mutating func rebuildIndex(capacity: Int) {
        index = Array(repeating: 0, count: capacity)
        for position in keys.indices {
            let hash = keys[position].hash64
            index[emptySlot(hash)] = Self.packed(hash, position)
        }
    }
}
