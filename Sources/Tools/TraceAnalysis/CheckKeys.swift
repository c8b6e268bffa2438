/// Cheap keys for the checks' tables: ids hashed once (on the reader threads where the payloads are decoded there)
/// into 64 bits, and node names turned into numbers. A table keyed by a hash always compares the ids themselves on a
/// hash hit, so two different ids that collide are still two keys: a collision costs time, never a wrong pair.
enum IDHash {
    /// A 64-bit hash of `text`, stable across processes and consistent with `String`'s `==` (which compares canonical
    /// equivalents as equal): the hash of the UTF-8 bytes of the text's NFC form, which are its bytes when it is ASCII.
    static func of(_ text: String) -> UInt64 {
        var text = text
        if let hash = text.withUTF8({ ascii($0) }) { return hash }
        var normalized: [UInt8] = []
        text._withNFCCodeUnits { normalized.append($0) }
        // Not ASCII, but the same mixing over the normalized bytes.
        return normalized.withUnsafeBufferPointer { of(rawBytes: $0) }
    }

    /// The hash of the string that `bytes` (a string's bytes without escapes) decode to: `of(String(decoding:as:))`,
    /// without building the string when they are ASCII.
    static func of(line bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        ascii(bytes) ?? of(String(decoding: bytes, as: UTF8.self))
    }

    /// The hash of ASCII `bytes`, nil when they are not all ASCII.
    private static func ascii(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        isASCII(bytes) ? of(rawBytes: bytes) : nil
    }

    /// True when no byte of `bytes` has its high bit set (read by words).
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var high: UInt64 = 0
        var index = 0
        while index + 8 <= bytes.count {
            high |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            high |= UInt64(base[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// The hash of `bytes` as they are (ASCII, or the NFC form of a text): FNV-1a over 8-byte words, then a final mix.
    static func of(rawBytes bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: bytes.count)
        guard let base = bytes.baseAddress else { return mix(hash) }
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            hash = (hash ^ word) &* 0x0000_0100_0000_01b3
            hash ^= hash >> 29
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(base[index]) << shift
            shift += 8
            index += 1
        }
        return mix((hash ^ tail) &* 0x0000_0100_0000_01b3)
    }

    /// A 64-bit finaliser (MurmurHash3's fmix64): every input bit reaches every output bit.
    static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 33
        value &*= 0xff51_afd7_ed55_8ccd
        value ^= value >> 33
        value &*= 0xc4ce_b9fe_1a85_ec53
        value ^= value >> 33
        return value
    }

    /// Combines two hashes (order matters).
    static func combine(_ first: UInt64, _ second: UInt64) -> UInt64 {
        mix(first &+ 0x9e37_79b9_7f4a_7c15 &* (second ^ (first << 6) ^ (first >> 2)))
    }
}

/// An id (message id, span id, order id, …) with its precomputed hash: hashing feeds the 64 bits only, equality
/// compares the hashes and then the ids.
struct IDKey: Hashable, HashedKey {
    let hash: UInt64
    let id: String

    init(_ id: String) {
        self.id = id
        hash = IDHash.of(id)
    }

    /// `hash` must be `IDHash.of(id)`.
    init(_ id: String, hash: UInt64) {
        self.id = id
        self.hash = hash
    }

    var hash64: UInt64 { hash }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    static func == (lhs: IDKey, rhs: IDKey) -> Bool { lhs.hash == rhs.hash && lhs.id == rhs.id }
}

/// Node names as numbers: the run's `NodeIndex` numbers first, then numbers handed out to names outside the index
/// (peers without a trace file), so that every name has one number and every number one name.
struct NodeNumbers {
    let index: NodeIndex
    /// Indexes other than `index` with the same names (each reader thread's copy): numbers by them are numbers by
    /// `index`.
    private var sameIndexes: [NodeIndex] = []
    /// Names outside the index, numbered from `index.names.count` on.
    private var extraNumbers: [String: Int] = [:]
    private(set) var extraNames: [String] = []

    init(_ index: NodeIndex) { self.index = index }

    /// Up to this many names, the index is searched by hash (`NodeNameKeys`); above, by its dictionary.
    private static let scannedNames = 64

    /// The index number of `name` (-1 when the index does not hold it), found by its hash `hash` (`IDHash.of(name)`)
    /// and confirmed by comparing the names.
    func indexed(_ name: String, hash: UInt64) -> Int {
        guard index.nameKeys.count <= Self.scannedNames else { return index.position(name) ?? -1 }
        return index.nameKeys.position(of: name, hash: hash)
    }

    /// `indexed(_:hash:)` of the name whose bytes (without escapes) are `bytes`, built only when the index lacks it.
    func indexed(bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        guard index.nameKeys.count <= Self.scannedNames else {
            return index.position(String(decoding: bytes, as: UTF8.self)) ?? -1
        }
        return index.nameKeys.position(of: bytes, hash: hash)
    }

    /// The number of the name whose bytes are `bytes` (`hash` is `IDHash.of(line: bytes)`), handing out a new one to
    /// a name outside the index (its string built then only).
    mutating func number(bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        let position = indexed(bytes: bytes, hash: hash)
        return position >= 0 ? position : extra(String(decoding: bytes, as: UTF8.self))
    }

    /// The number of `name` (`hash` is `IDHash.of(name)`), handing out a new one to a name outside the index.
    mutating func number(_ name: String, hash: UInt64) -> Int {
        let position = indexed(name, hash: hash)
        return position >= 0 ? position : extra(name)
    }

    /// True when `other` numbers nodes as `index` does (the same names in the same order).
    mutating func numbersLike(_ other: NodeIndex) -> Bool {
        if other === index || sameIndexes.contains(where: { $0 === other }) { return true }
        guard other.names == index.names else { return false }
        // A run has one copy per reader thread; a bound keeps a caller that makes one per event from growing this.
        if sameIndexes.count < 64 { sameIndexes.append(other) }
        return true
    }

    /// The number of `event`'s node.
    mutating func number(of event: RunEvent) -> Int {
        event.node >= 0 ? event.node : extra(event.envelope.node)
    }

    private mutating func extra(_ name: String) -> Int {
        if let number = extraNumbers[name] { return number }
        let number = index.names.count + extraNames.count
        extraNumbers[name] = number
        extraNames.append(name)
        return number
    }

    /// The name of node number `number`.
    func name(_ number: Int) -> String {
        number < index.names.count ? index.names[number] : extraNames[number - index.names.count]
    }
}

/// The names of a run's `NodeIndex` as the checks and the readers match a node name against them: each name's hash
/// (`IDHash`) and packed form (`PackedID`), so that a peer read from a line is numbered without building its string.
struct NodeNameKeys: Sendable {
    private let names: [String]
    /// `IDHash.of` each name, by number.
    private let hashes: [UInt64]
    private let ids: [PackedID]

    init(_ names: [String]) {
        self.names = names
        hashes = names.map { IDHash.of($0) }
        ids = names.map { PackedID($0) }
    }

    var count: Int { hashes.count }

    /// The number of the indexed name that `bytes` (a string's bytes without escapes, `hash` = `IDHash.of(line:)`)
    /// decode to; -1 when no indexed name is that string.
    func position(of bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        // Equal strings hash equal: only a name with the same hash can be it, and the bytes confirm.
        for position in hashes.indices where hashes[position] == hash {
            let name = ids[position]
            if name.text == nil, let packed = PackedID.packed(bytes) {
                if packed.count == name.count && PackedID.sameWords(packed.words, name.words) { return position }
            } else if names[position] == String(decoding: bytes, as: UTF8.self) {
                // Not both packed: compared as strings (canonical equivalence, as `PackedID` compares).
                return position
            }
        }
        return -1
    }

    /// The number of the indexed name `name` (`hash` = `IDHash.of(name)`); -1 when no indexed name is it.
    func position(of name: String, hash: UInt64) -> Int {
        for position in hashes.indices where hashes[position] == hash && names[position] == name { return position }
        return -1
    }
}

/// One message as check 3 pairs it (§4.3): sender and receiver by node number (`NodeNumbers`), the message id
/// (`PackedID`: inline, no string to retain) with its precomputed hash, and whether it is a reply. Its hash is computed
/// once from the id's; equality compares the numbers and the ids themselves, so two different messages never share a
/// key.
struct PairKey: HashedKey {
    let sender: Int32
    let receiver: Int32
    let reply: Bool
    let msg: PackedID
    let hash64: UInt64

    init(sender: Int, receiver: Int, msg: PackedID, msgHash: UInt64, reply: Bool) {
        self.sender = Int32(truncatingIfNeeded: sender)
        self.receiver = Int32(truncatingIfNeeded: receiver)
        self.reply = reply
        self.msg = msg
        let nodes = UInt64(UInt32(bitPattern: self.sender)) << 33 | UInt64(UInt32(bitPattern: self.receiver)) << 1
        hash64 = IDHash.combine(msgHash, nodes | (reply ? 1 : 0))
    }

    static func == (lhs: PairKey, rhs: PairKey) -> Bool {
        lhs.hash64 == rhs.hash64 && lhs.sender == rhs.sender && lhs.receiver == rhs.receiver && lhs.reply == rhs.reply
            && lhs.msg == rhs.msg
    }
}
