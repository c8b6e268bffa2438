import Testing

@testable import TraceAnalysis

/// The checks' tables key messages, requests and orders by precomputed 64-bit hashes (`IDHash`, `HashedTable`). A
/// hash decides only where to look: two different ids with one hash must stay two keys, equal ids must meet whatever
/// their bytes, and the table must hold exactly what a `Dictionary` holds after any sequence of changes.
struct CheckKeyTests {
    /// A key whose hash is chosen by the test (to force collisions), compared by its id.
    private struct Forced: HashedKey {
        let id: Int
        let hash64: UInt64

        static func == (lhs: Forced, rhs: Forced) -> Bool { lhs.id == rhs.id }
    }

    /// A small deterministic generator (the test needs no statistics, only many different sequences).
    private struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("a hashed table holds what a dictionary holds after random inserts, updates and removals")
    func tableMatchesDictionary() {
        for (seed, buckets) in [(1, 1), (2, 3), (3, 64), (4, 1 << 20)] {
            var generator = Generator(state: UInt64(seed))
            var table = HashedTable<Forced, Int>()
            var reference: [Int: Int] = [:]
            // Few distinct hashes for many ids: long probe runs, and removals that must shift entries back.
            func key(_ id: Int) -> Forced {
                Forced(id: id, hash64: IDHash.mix(UInt64(id % buckets)) ^ (id % 2 == 0 ? 0 : 0xffff_ffff_0000_0000))
            }
            for step in 0..<4_000 {
                let id = generator.next(300)
                switch generator.next(5) {
                case 0, 1:
                    #expect(table.updateValue(step, forKey: key(id)) == reference.updateValue(step, forKey: id))
                case 2:
                    #expect(table.removeValue(forKey: key(id)) == reference.removeValue(forKey: id))
                case 3:
                    let result = table.modify(key(id), default: { 0 }, removingIf: { $0 % 3 == 0 }) { value in
                        value += step
                        return value
                    }
                    let value = reference[id, default: 0] + step
                    reference[id] = value % 3 == 0 ? nil : value
                    #expect(result == value)
                default:
                    let result = table.modifyIfPresent(key(id), removingIf: { $0 % 2 == 0 }) { value in
                        value += 1
                        return value
                    }
                    if let old = reference[id] {
                        reference[id] = (old + 1) % 2 == 0 ? nil : old + 1
                        #expect(result == old + 1)
                    } else {
                        #expect(result == nil)
                    }
                }
                #expect(table.count == reference.count)
            }
            for id in 0..<300 { #expect(table[key(id)] == reference[id], "seed \(seed), id \(id)") }
            let listed = table.compactMap { key, value in (key.id, value) }
            #expect(Dictionary(uniqueKeysWithValues: listed) == reference)
        }
    }

    @Test("two different ids with the same 64-bit hash are two keys")
    func collidingIDsStayApart() {
        var table = HashedTable<IDKey, String>()
        table.updateValue("first", forKey: IDKey("msg-1", hash: 42))
        table.updateValue("second", forKey: IDKey("msg-2", hash: 42))
        #expect(table.count == 2)
        #expect(table[IDKey("msg-1", hash: 42)] == "first")
        #expect(table[IDKey("msg-2", hash: 42)] == "second")
        #expect(table.removeValue(forKey: IDKey("msg-1", hash: 42)) == "first")
        #expect(table[IDKey("msg-2", hash: 42)] == "second")

        let request = PairKey(sender: 0, receiver: 1, msg: PackedID("a"), msgHash: 7, reply: false)
        #expect(request != PairKey(sender: 0, receiver: 1, msg: PackedID("b"), msgHash: 7, reply: false))
        #expect(request != PairKey(sender: 0, receiver: 1, msg: PackedID("a"), msgHash: 7, reply: true))
        #expect(request != PairKey(sender: 1, receiver: 0, msg: PackedID("a"), msgHash: 7, reply: false))
        #expect(request == PairKey(sender: 0, receiver: 1, msg: PackedID("a"), msgHash: 7, reply: false))
    }

    @Test("ids equal as strings hash equal, whatever their bytes")
    func equalIDsHashEqual() {
        let pairs: [(String, String)] = [
            ("caf\u{E9}-1", "cafe\u{301}-1"),  // precomposed and decomposed é
            ("\u{212A}elvin", "Kelvin"),  // the Kelvin sign is canonically K
            ("orchestrator-4005-1", String("xorchestrator-4005-1".dropFirst())),
            ("0123456789abcdef0123456789abcdef", String(Substring("0123456789abcdef0123456789abcdef"))),
        ]
        for (left, right) in pairs {
            #expect(left == right)
            #expect(IDHash.of(left) == IDHash.of(right), "\(left) / \(right)")
            #expect(IDKey(left) == IDKey(right))
        }
        #expect(IDHash.of("orchestrator-4005-1") != IDHash.of("orchestrator-4005-2"))
        #expect(IDHash.of("") != IDHash.of("a"))
    }

    @Test("node names are numbered by the index, and names outside it get numbers of their own")
    func nodeNumbers() {
        var numbers = NodeNumbers(NodeIndex(["queue", "executor-1", "orchestrator"]))
        #expect(numbers.number("orchestrator", hash: IDHash.of("orchestrator")) == 1)
        #expect(numbers.number("queue", hash: IDHash.of("queue")) == 2)
        let outsider = numbers.number("load", hash: IDHash.of("load"))
        #expect(outsider == 3)
        #expect(numbers.number("load", hash: IDHash.of("load")) == outsider)
        #expect(numbers.name(outsider) == "load")
        #expect(numbers.name(0) == "executor-1")
    }

    @Test("every reader's copy of the index numbers nodes as the index does; an index of other names does not")
    func indexCopiesNumberAlike() {
        let names = ["queue", "executor-1", "orchestrator"]
        var numbers = NodeNumbers(NodeIndex(names))
        let copies = (0..<9).map { _ in NodeIndex(names) }
        for _ in 0..<2 {
            for copy in copies {
                let alike = numbers.numbersLike(copy)
                #expect(alike)
            }
        }
        let more = numbers.numbersLike(NodeIndex(names + ["load"]))
        let other = numbers.numbersLike(NodeIndex(["queue", "executor-2", "orchestrator"]))
        #expect(!more && !other)
    }
}

extension CheckKeyTests {
    @Test("the recent-match window keeps ids exactly, inline or not, and forgets the oldest beyond its size")
    func recentMatches() {
        var recent = RecentMatches(window: 8)
        func key(_ msg: String, hash: UInt64 = 7) -> PairKey {
            PairKey(sender: 0, receiver: 1, msg: PackedID(msg), msgHash: hash, reply: false)
        }
        let ids = [
            "a", "orchestrator-4005-1", String(repeating: "x", count: 32), String(repeating: "y", count: 33),
            "caf\u{E9}", "\u{212A}",
        ]
        for (number, id) in ids.enumerated() { recent.remember(key(id), pid: 1, seq: UInt64(number)) }
        for (number, id) in ids.enumerated() { #expect(recent.match(key(id))?.seq == UInt64(number), "\(id)") }
        // Equal ids with other bytes meet; different ids with one hash do not.
        #expect(recent.match(key("cafe\u{301}"))?.seq == 4)
        #expect(recent.match(key("K"))?.seq == 5)
        #expect(recent.match(key("b")) == nil)
        #expect(recent.match(key(String(repeating: "x", count: 31))) == nil)
        // Matched again while recent: keeps its place (and takes the new send).
        recent.remember(key("a"), pid: 2, seq: 100)
        #expect(recent.match(key("a"))?.pid == 2)
        // Eight newer keys push the six out.
        for number in 0..<8 { recent.remember(key("new-\(number)"), pid: 3, seq: 0) }
        for id in ids { #expect(recent.match(key(id)) == nil, "\(id)") }
        for number in 0..<8 { #expect(recent.match(key("new-\(number)")) != nil) }
        recent.remember(key("a"), pid: 4, seq: 1)
        #expect(recent.match(key("new-0")) == nil)
        #expect(recent.match(key("new-1")) != nil)
    }
}

extension CheckKeyTests {
    @Test("the recent-match window finds exactly the keys among the last window that became recent")
    func recentMatchesAgreeWithAList() {
        // Few hashes for many ids (collisions), ids inline, long and non-ASCII, windows small and large.
        let ids = (0..<40).map { number -> String in
            switch number % 4 {
            case 0: "m-\(number)"
            case 1: String(repeating: "z", count: 30 + number % 5) + "\(number)"
            case 2: "caf\u{E9}-\(number)"
            default: "orchestrator-4005-\(number)"
            }
        }
        for (seed, window) in [(1, 1), (2, 3), (3, 8), (4, 64)] {
            var generator = Generator(state: UInt64(seed))
            var recent = RecentMatches(window: window)
            // The reference: every key that became recent, in order, with its match; recent are the last `window`.
            var list: [(key: PairKey, pid: Int32, seq: UInt64)] = []
            func reference(_ key: PairKey) -> Int? {
                list.indices.suffix(window).first { list[$0].key == key }
            }
            for step in 0..<3_000 {
                let id = ids[generator.next(ids.count)]
                let key = PairKey(
                    sender: generator.next(2), receiver: 1, msg: PackedID(id), msgHash: UInt64(generator.next(3)),
                    reply: generator.next(2) == 0)
                let found = reference(key)
                let match = recent.match(key)
                #expect(match?.pid == found.map { list[$0].pid }, "seed \(seed), step \(step)")
                #expect(match?.seq == found.map { list[$0].seq }, "seed \(seed), step \(step)")
                guard generator.next(2) == 0 else { continue }
                recent.remember(key, pid: Int32(step), seq: UInt64(step) * 3)
                if let found {
                    (list[found].pid, list[found].seq) = (Int32(step), UInt64(step) * 3)
                } else {
                    list.append((key, Int32(step), UInt64(step) * 3))
                }
            }
        }
    }
}

extension CheckKeyTests {
    @Test("order ids of 32 hex digits are read as UInt64(radix: 16) reads them, and anything else is not")
    func orderIDPairs() {
        let id = "0193a1c2d3e47a5b8c9d0e1f2a3b4c5d"
        for text in [id, id.uppercased(), "ffffffffffffffff0000000000000000", String(repeating: "0", count: 32)] {
            let pair = CompactIDSet.pair(text)
            #expect(pair?.high == UInt64(text.prefix(16), radix: 16), "\(text)")
            #expect(pair?.low == UInt64(text.suffix(16), radix: 16), "\(text)")
        }
        for text in [
            "g" + id.dropFirst(), String(id.dropLast()) + ":", String(id.dropLast()), id + "0", "@" + id.dropFirst(),
        ] {
            #expect(CompactIDSet.pair(text) == nil, "\(text)")
        }
    }

    @Test("the finished-order set holds exactly the ids inserted, hex or not, zero included")
    func finishedOrderSet() {
        var generator = Generator(state: 9)
        var set = CompactIDSet()
        var reference: Set<String> = []
        func id(_ number: Int) -> String {
            number % 7 == 1
                ? "order-\(number)"
                : String(repeating: "0", count: 32 - String(number, radix: 16).count)
                    + String(number, radix: 16)
        }
        for _ in 0..<5_000 {
            let text = id(generator.next(3_000))
            if generator.next(2) == 0 {
                set.insert(text)
                reference.insert(text)
            }
            #expect(set.contains(text) == reference.contains(text), "\(text)")
        }
        for number in 0..<3_000 { #expect(set.contains(id(number)) == reference.contains(id(number))) }
    }
}
