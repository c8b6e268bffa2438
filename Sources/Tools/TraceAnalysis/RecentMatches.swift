/// The message keys check 3 matched most recently, with the matched send's pid and seq: a key seen again while it
/// is here is a second receive of one message, or a second send of its id (§4.3). The last `window` keys that
/// became recent are kept (a key matched again while here keeps its place); older ones are forgotten.
///
/// A ring of `window` plain entries (no reference counting when one is read, written or overwritten): the key that
/// becomes recent takes the place of the one that became recent `window` keys before it, which is forgotten then, so
/// expiry costs nothing more than that. An open-addressing index (linear probing, at most half full) maps each key's
/// precomputed hash to its place; its slots hold the hash's upper 32 bits, which also give the slot's home, so
/// removing a slot reads no entry.
///
/// Exact: keys compare their message ids, never just hashes. Compact: an ASCII id of up to 32 bytes is kept inline
/// as the key packs it (`PackedID`), without a string.
struct RecentMatches {
    /// One remembered key and its match (64 bytes).
    private struct Entry {
        var hash64: UInt64
        /// The id's ASCII bytes in memory order, when `count` ≤ 32 (else the id is in `texts`).
        var words: Words
        var sender: Int32
        var receiver: Int32
        var pid: Int32
        var count: UInt8
        var reply: Bool
        var seq: UInt64
    }

    private typealias Words = PackedID.Words
    /// `Entry.count` of an id kept as a string in `texts`.
    private static let textCount = PackedID.textCount
    private static let tagMask: UInt64 = 0xffff_ffff_0000_0000

    /// By place: the entries (appended until `window` are held, then overwritten in turn).
    private var entries: [Entry] = []
    /// By place: the ids that are not kept inline (longer than 32 bytes or not ASCII).
    private var texts: [Int: String] = [:]
    /// By index slot: the key's hash's upper 32 bits, then its place + 1 (0: empty slot).
    private var index = [UInt64](repeating: 0, count: 16)
    /// Keys that became recent so far (the next one takes place `added % window`).
    private var added = 0
    let window: Int

    /// `window`: 1…2³⁰ keys.
    init(window: Int) {
        precondition(window >= 1 && window <= 1 << 30, "recent-match window out of range")
        self.window = window
    }

    /// The send of the recent match of `key`, if any.
    func match(_ key: borrowing PairKey) -> (pid: Int32, seq: UInt64)? {
        let place = find(key).place
        guard place >= 0 else { return nil }
        return (entries[place].pid, entries[place].seq)
    }

    /// `key` was matched with a send of `pid` and `seq`.
    mutating func remember(_ key: borrowing PairKey, pid: Int32, seq: UInt64) {
        let found = find(key)
        if found.place >= 0 {
            entries[found.place].pid = pid
            entries[found.place].seq = seq
            return
        }
        let place = added % window
        if entries.count == window {
            forget(place)
        } else if (entries.count + 1) * 2 > index.count {
            grow()
        }
        let entry = Entry(
            hash64: key.hash64, words: key.msg.words, sender: key.sender, receiver: key.receiver, pid: pid,
            count: key.msg.count, reply: key.reply, seq: seq)
        if let text = key.msg.text { texts[place] = text }
        if place < entries.count { entries[place] = entry } else { entries.append(entry) }
        index[emptySlot(key.hash64)] = key.hash64 & Self.tagMask | UInt64(place + 1)
        added += 1
    }

    private static func home(_ stored: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: stored >> 32) & mask }

    /// The index slot and place of `key` (place -1 when absent).
    private func find(_ key: borrowing PairKey) -> (slot: Int, place: Int) {
        let mask = index.count - 1
        let tag = key.hash64 & Self.tagMask
        var slot = Self.home(key.hash64, mask)
        while true {
            let stored = index[slot]
            if stored == 0 { return (slot, -1) }
            if stored & Self.tagMask == tag {
                let place = Int(truncatingIfNeeded: stored & 0xffff_ffff) - 1
                let entry = entries[place]
                if entry.hash64 == key.hash64 && entry.sender == key.sender && entry.receiver == key.receiver
                    && entry.reply == key.reply
                {
                    if sameID(entry, place: place, key.msg) { return (slot, place) }
                }
            }
            slot = (slot &+ 1) & mask
        }
    }

    /// True when the id of the entry at `place` equals `id`.
    private func sameID(_ entry: Entry, place: Int, _ id: borrowing PackedID) -> Bool {
        if entry.count != Self.textCount && id.text == nil {
            return id.count == entry.count && PackedID.sameWords(id.words, entry.words)
        }
        // An ASCII id equals a non-ASCII one when they are canonically equivalent (U+212A KELVIN SIGN is K).
        return (entry.count == Self.textCount ? texts[place]! : Self.text(entry)) == id.string
    }

    /// The first empty slot of the probe run of `hash` (the key is known to be absent).
    private func emptySlot(_ hash: UInt64) -> Int {
        let mask = index.count - 1
        var slot = Self.home(hash, mask)
        while index[slot] != 0 { slot = (slot &+ 1) & mask }
        return slot
    }

    /// Removes the entry at `place` from the index: empties its slot and moves later slots of its probe run back so
    /// that every key stays reachable from its home slot.
    private mutating func forget(_ place: Int) {
        let mask = index.count - 1
        var hole = Self.home(entries[place].hash64, mask)
        while Int(truncatingIfNeeded: index[hole] & 0xffff_ffff) != place + 1 { hole = (hole &+ 1) & mask }
        var next = hole
        while true {
            next = (next &+ 1) & mask
            let stored = index[next]
            if stored == 0 { break }
            let home = Self.home(stored, mask)
            // The slot at `next` may fill the hole unless its home lies after the hole (cyclically, up to `next`).
            if (next &- home) & mask >= (next &- hole) & mask {
                index[hole] = stored
                hole = next
            }
        }
        index[hole] = 0
        if entries[place].count == Self.textCount { texts[place] = nil }
    }

    /// Doubles the index, or makes it as large as a full window needs once it holds 1,024 keys (a long run fills the
    /// window: fewer rebuilds, and the entries' storage reserved once).
    private mutating func grow() {
        var capacity = index.count * 2
        if entries.count >= 1_024 {
            while capacity < window * 2 { capacity *= 2 }
            entries.reserveCapacity(window)
        }
        rebuildIndex(capacity: capacity)
    }

    private mutating func rebuildIndex(capacity: Int) {
        index = [UInt64](repeating: 0, count: capacity)
        for place in entries.indices {
            let hash = entries[place].hash64
            index[emptySlot(hash)] = hash & Self.tagMask | UInt64(place + 1)
        }
    }

    /// The inline id of `entry` as a string.
    private static func text(_ entry: Entry) -> String {
        withUnsafeBytes(of: entry.words) { String(decoding: $0.prefix(Int(entry.count)), as: UTF8.self) }
    }
}
