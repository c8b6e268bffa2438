/// Events of one source in file order, with their merge keys beside them: the reader thread that makes the events
/// writes the keys, and the merge reads them from this array instead of from the events.
struct EventBatch {
    /// An event's merge key: clock sum, node number, line.
    struct Key {
        let sum: UInt64
        let line: Int
        let node: Int32

        /// A placeholder key (of no event).
        init() { (sum, line, node) = (0, 0, 0) }

        init(_ event: RunEvent) {
            sum = event.clockSum
            line = event.line
            node = Int32(truncatingIfNeeded: event.node)
        }
    }

    private(set) var events: [RunEvent] = []
    private(set) var keys: [Key] = []

    init() {}

    init(_ events: [RunEvent]) {
        self.events = events
        keys = events.map { Key($0) }
    }

    var count: Int { events.count }
    var isEmpty: Bool { events.isEmpty }
    var capacity: Int { events.capacity }

    /// Reads the first word of each event (its type's metadata pointer, which no thread writes, on the same cache line
    /// as its reference count) without retaining the event, and returns their sum. The events were made on another
    /// core: independent loads in one loop fetch those lines in parallel, where the merge would otherwise wait for
    /// each in turn at the retain that delivers the event.
    func touch() -> UInt64 {
        var sum: UInt64 = 0
        events.withUnsafeBufferPointer { events in
            guard let base = events.baseAddress else { return }
            let references = UnsafeRawPointer(base)
            for position in 0..<events.count {
                // The array's element is the object's address: read as a raw pointer, it is not retained.
                let object = references.load(
                    fromByteOffset: position &* MemoryLayout<RunEvent>.stride, as: UnsafeRawPointer.self)
                sum &+= UInt64(UInt(bitPattern: object.load(as: UnsafeRawPointer.self)))
            }
        }
        return sum
    }

    /// Detaches the events that someone besides the batch still holds (the checks kept them) from the reader's
    /// gzip member (`RunEvent.detachLine`), so that the member can be reused once the batch's events are released.
    /// Called by the merge thread, the one thread that reads the events, before it hands the batch back.
    mutating func detachKept() {
        events.withUnsafeMutableBufferPointer { events in
            for position in events.indices where !isKnownUniquelyReferenced(&events[position]) {
                events[position].detachLine()
            }
        }
    }

    mutating func append(_ event: RunEvent) {
        keys.append(Key(event))
        events.append(event)
    }

    mutating func reserveCapacity(_ count: Int) {
        events.reserveCapacity(count)
        keys.reserveCapacity(count)
    }

    /// Empties the batch, keeping its storage.
    mutating func removeAll() {
        events.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
    }
}
