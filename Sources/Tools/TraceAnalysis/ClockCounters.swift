/// A `RunEvent`'s clock by node number (0: no entry), read in place from the event's elements (the counters come
/// first there, then, for a line that zlib read, the kept line's bytes).
struct ClockCounters: RandomAccessCollection, Equatable {
    /// The event whose elements hold the counters.
    let owner: RunEvent

    init(_ owner: RunEvent) { self.owner = owner }

    var startIndex: Int { 0 }
    var endIndex: Int { owner.header.counters }

    subscript(position: Int) -> UInt64 {
        precondition(position >= 0 && position < endIndex, "clock counter out of range")
        return owner.withUnsafeMutablePointerToElements { $0[position] }
    }

    /// Calls `body` with the counters.
    func withUnsafeBufferPointer<T>(_ body: (UnsafeBufferPointer<UInt64>) throws -> T) rethrows -> T {
        let count = endIndex
        return try owner.withUnsafeMutablePointerToElements { try body(UnsafeBufferPointer(start: $0, count: count)) }
    }

    static func == (lhs: ClockCounters, rhs: ClockCounters) -> Bool { lhs.elementsEqual(rhs) }
}
