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
