import Causality
import Glibc

/// A clock decoded straight from a trace line's bytes into an array by node number, for readers that compare
/// clocks as arrays (the analyzer's checks): no `VectorClock` is built unless the clock names a node outside the
/// numbering (`FastEventDecoder.decodingDenseClocks(nodes:)`).
public struct DenseClock: Sendable {
    /// The counters by node number (0: no entry).
    public var values: [UInt64]
    /// True when the clock names nodes outside the numbering (then the event's `clock` holds the whole clock).
    public var external: Bool
    /// The sum of all of the clock's counters (wrapping), external ones included.
    public var sum: UInt64
}

/// The node numbering a decoder writes dense clocks with.
struct DenseNodes {
    let positions: [String: Int]
    let count: Int

    /// `clock` by node number.
    func dense(_ clock: VectorClock) -> DenseClock {
        var values = [UInt64](repeating: 0, count: count)
        var external = false
        var sum: UInt64 = 0
        for (node, counter) in clock.sortedEntries {
            sum &+= counter
            if let position = positions[node] { values[position] = counter } else { external = true }
        }
        return DenseClock(values: values, external: external, sum: sum)
    }
}

extension JSONScanner {
    /// The clock at the cursor when its keys are the cached previous clock's (in the same order), written by
    /// number into `denseClock`; returns the event's `clock`: empty, or the whole clock when it names a node outside
    /// the numbering. Nil (the cached clock unchanged) when the keys differ or a counter is zero or not an integer.
    mutating func cachedDenseClock(_ nodes: DenseNodes) -> VectorClock? {
        let start = index
        if let clock = tightDenseClock(nodes) { return clock }
        index = start
        guard !cache.keys.isEmpty, consume(UInt8(ascii: "{")) else { return nil }
        var scratch = cache.scratch
        cache.scratch = []
        scratch.removeAll(keepingCapacity: true)
        defer { cache.scratch = scratch }
        repeat {
            let position = scratch.count
            guard position < cache.keys.count, consume(UInt8(ascii: "\"")) else { return nil }
            let matched = cache.keys[position].withUnsafeBufferPointer { key in
                guard index + key.count < bytes.count, bytes[index + key.count] == UInt8(ascii: "\"") else {
                    return false
                }
                return memcmp(bytes.baseAddress! + index, key.baseAddress!, key.count) == 0
            }
            guard matched else { return nil }
            index += cache.keys[position].count + 1
            guard consume(UInt8(ascii: ":")), let value = integer(), let counter = UInt64(exactly: value),
                counter > 0
            else { return nil }
            scratch.append(counter)
        } while consume(UInt8(ascii: ","))
        guard scratch.count == cache.keys.count, consume(UInt8(ascii: "}")) else { return nil }
        return finishDenseClock(scratch, nodes)
    }

    /// `cachedDenseClock` for the clock as writers write it, read in one tight loop over the bytes: no space, the
    /// cached keys in order, each counter 1 to 19 digits (a 20th is not `,` or `}`). Nil (the cursor anywhere) for
    /// anything else, which `cachedDenseClock` then reads the general way (with the same result for what this takes).
    private mutating func tightDenseClock(_ nodes: DenseNodes) -> VectorClock? {
        let count = cache.keyEnds.count
        guard count > 0, count == cache.keys.count, count == cache.positions.count, let base = bytes.baseAddress
        else { return nil }
        let line = ClockLine(base: base, end: bytes.count, start: index)
        let flatKeys = cache.flatKeys
        let keyEnds = cache.keyEnds
        let positions = cache.positions
        // The counters go into the array the previous line's went into: once the reader is done with that line's
        // clock (a reader that keeps it copies the counters out), it is free again, and no array is allocated.
        var values = cache.denseValues
        cache.denseValues = []
        if values.count == nodes.count {
            values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            values = [UInt64](repeating: 0, count: nodes.count)
        }
        defer { cache.denseValues = values }
        let scanned = values.withUnsafeMutableBufferPointer { values in
            flatKeys.withUnsafeBufferPointer { keys in
                keyEnds.withUnsafeBufferPointer { keyEnds in
                    positions.withUnsafeBufferPointer { positions in
                        Self.scanClock(
                            line, keys: keys, keyEnds: keyEnds,
                            positions: positions, into: values)
                    }
                }
            }
        }
        guard let scanned else { return nil }
        let (position, sum) = (scanned.end, scanned.sum)
        index = position
        denseClock = DenseClock(values: values, external: cache.external, sum: sum)
        guard cache.external else { return VectorClock() }
        // The whole clock names a node outside the numbering: read the counters again the general way.
        return nil
    }

    /// The bytes of a line and where a clock starts in them.
    struct ClockLine {
        let base: UnsafePointer<UInt8>
        let end: Int
        let start: Int
    }

    /// The tight loop of `tightDenseClock`: where the clock ends and the sum of its counters, the counters written
    /// into `values` by node number; nil when the bytes are not the cached keys in order (`keys`: each as written
    /// with its separator, quotes and colon, ending at `keyEnds`) with counters of 1 to 19 digits, without spaces.
    private static func scanClock(
        _ line: ClockLine, keys: UnsafeBufferPointer<UInt8>, keyEnds: UnsafeBufferPointer<Int>,
        positions: UnsafeBufferPointer<Int>, into values: UnsafeMutableBufferPointer<UInt64>
    ) -> (end: Int, sum: UInt64)? {
        let base = line.base
        let end = line.end
        var position = line.start
        var sum: UInt64 = 0
        let count = keyEnds.count
        guard let keysBase = keys.baseAddress else { return nil }
        var keyStart = 0
        for slot in 0..<count {
            let keyEnd = keyEnds[slot]
            let length = keyEnd &- keyStart
            // The key as written, then at least one digit and the byte after the counter.
            guard end &- position > length &+ 1,
                sameBytes(base + position, keysBase + keyStart, length, canLoadPast: end &- position >= 8)
            else { return nil }
            position &+= length
            keyStart = keyEnd
            let close = slot == count &- 1 ? UInt8(ascii: "}") : UInt8(ascii: ",")
            let value: UInt64
            let word = end &- position >= 8 ? UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self) : 0
            let digits = DecimalDigits.leadingDigits(word)
            if end &- position >= 8, digits > 0, digits < 8 {
                // The usual counter: under 8 digits, the byte after them in the same word.
                value = DecimalDigits.eightDigits(word &<< UInt64(64 &- 8 &* digits))
                position &+= digits
                guard value > 0, UInt8(truncatingIfNeeded: word &>> UInt64(8 &* digits)) == close else { return nil }
            } else {
                let counter = DecimalDigits.run(base, from: position, end: end)
                position &+= counter.digits
                // A 20th digit is not the closing byte: such a counter is refused here, as before.
                guard counter.digits > 0, counter.value > 0, position < end, base[position] == close else { return nil }
                value = counter.value
            }
            sum &+= value
            let number = positions[slot]
            if number >= 0 { values[number] = value }
        }
        return (position &+ 1, sum)
    }

    /// True when the `count` bytes at `lhs` and `rhs` are the same. With `canLoadPast` (8 bytes readable at both),
    /// a short key is compared in one masked 8-byte load: no call to `memcmp`, no loop.
    @inline(__always)
    private static func sameBytes(
        _ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int, canLoadPast: Bool
    ) -> Bool {
        guard count >= 8 else {
            guard canLoadPast else {
                for offset in 0..<count where lhs[offset] != rhs[offset] { return false }
                return true
            }
            let left = UnsafeRawPointer(lhs).loadUnaligned(as: UInt64.self)
            let difference = left ^ UnsafeRawPointer(rhs).loadUnaligned(as: UInt64.self)
            return difference & ((1 &<< UInt64(count &* 8)) &- 1) == 0
        }
        return sameBytesByWords(lhs, rhs, count)
    }

    /// The dense clock of the counters `scratch` (by the cached keys' slots): written into `denseClock` and the
    /// cache; returns the event's `clock` (empty, or whole when it names a node outside the numbering).
    private mutating func finishDenseClock(_ scratch: [UInt64], _ nodes: DenseNodes) -> VectorClock? {
        var values = [UInt64](repeating: 0, count: nodes.count)
        var sum: UInt64 = 0
        for slot in scratch.indices {
            let counter = scratch[slot]
            cache.values[slot] = counter
            sum &+= counter
            let position = cache.positions[slot]
            if position >= 0 { values[position] = counter }
        }
        denseClock = DenseClock(values: values, external: cache.external, sum: sum)
        guard cache.external else { return VectorClock() }
        return VectorClock(Array(zip(cache.names, cache.values)).map { (key: $0.0, value: $0.1) })
    }

    /// After a full decode of `clock` in dense mode: its dense form, and the cache's node numbers.
    mutating func denseFromFullClock(_ clock: VectorClock, _ nodes: DenseNodes) -> VectorClock {
        let dense = nodes.dense(clock)
        denseClock = dense
        cache.positions = cache.names.map { nodes.positions[$0] ?? -1 }
        cache.external = dense.external
        return dense.external ? clock : VectorClock()
    }
}
