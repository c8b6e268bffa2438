/// The storage of one `RunEvent`'s clock counters (by node number) and, for an event read in compact form, of its
/// line's bytes: one allocation per event instead of an array each (the reader makes one per line).
final class EventStorage: ManagedBuffer<EventStorage.Header, UInt64> {
    struct Header {
        /// How many counters the storage starts with.
        let counters: Int
        /// How many line bytes follow them (0: none kept).
        let lineBytes: Int
    }

    /// Storage holding `counters` and the bytes of `line` after them.
    static func make(counters: UnsafeBufferPointer<UInt64>, line: UnsafeBufferPointer<UInt8>) -> EventStorage {
        let words = counters.count + (line.count + 7) / 8
        let buffer = create(minimumCapacity: words) { _ in Header(counters: counters.count, lineBytes: line.count) }
        let storage = unsafeDowncast(buffer, to: EventStorage.self)
        storage.withUnsafeMutablePointerToElements { elements in
            if let base = counters.baseAddress { elements.update(from: base, count: counters.count) }
            if let base = line.baseAddress {
                // Bound to UInt8 as it is initialized, so `withLine` may read these words as bytes.
                _ = UnsafeMutableRawPointer(elements + counters.count).initializeMemory(
                    as: UInt8.self, from: base, count: line.count)
            }
        }
        return storage
    }

    /// Storage holding `counters` only.
    static func make(counters: [UInt64]) -> EventStorage {
        counters.withUnsafeBufferPointer { make(counters: $0, line: UnsafeBufferPointer(start: nil, count: 0)) }
    }

    /// Calls `body` with the kept line bytes (empty when none were kept).
    func withLine<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let (counters, count) = (header.counters, header.lineBytes)
        return try withUnsafeMutablePointerToElements { elements in
            let start = UnsafeRawPointer(elements + counters).assumingMemoryBound(to: UInt8.self)
            return try body(UnsafeBufferPointer(start: count > 0 ? start : nil, count: count))
        }
    }
}

/// A `RunEvent`'s clock by node number (0: no entry), read in place from the event's storage.
struct ClockCounters: RandomAccessCollection, Equatable {
    /// Where the counters are (and the event's line bytes, when kept).
    let storage: EventStorage

    init(_ storage: EventStorage) { self.storage = storage }

    var startIndex: Int { 0 }
    var endIndex: Int { storage.header.counters }

    subscript(position: Int) -> UInt64 {
        precondition(position >= 0 && position < endIndex, "clock counter out of range")
        return storage.withUnsafeMutablePointerToElements { $0[position] }
    }

    /// Calls `body` with the counters.
    func withUnsafeBufferPointer<T>(_ body: (UnsafeBufferPointer<UInt64>) throws -> T) rethrows -> T {
        let count = endIndex
        return try storage.withUnsafeMutablePointerToElements { try body(UnsafeBufferPointer(start: $0, count: count)) }
    }

    static func == (lhs: ClockCounters, rhs: ClockCounters) -> Bool { lhs.elementsEqual(rhs) }
}
