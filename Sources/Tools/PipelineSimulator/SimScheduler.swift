/// The simulated clock: a min-heap of actions by time, ties broken by insertion order (deterministic).
struct SimScheduler<Action> {
    private struct Entry {
        var time: UInt64
        var sequence: UInt64
        var action: Action
        func before(_ other: Entry) -> Bool { (time, sequence) < (other.time, other.sequence) }
    }

    private var heap: [Entry] = []
    private var sequence: UInt64 = 0
    /// The time of the action being run.
    private(set) var now: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }

    mutating func schedule(_ action: Action, at time: UInt64) {
        sequence &+= 1
        heap.append(Entry(time: max(time, now), sequence: sequence, action: action))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The next action, advancing `now` to its time.
    mutating func next() -> Action? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let entry = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count, heap[left].before(heap[first]) { first = left }
            if right < heap.count, heap[right].before(heap[first]) { first = right }
            guard first != parent else { break }
            heap.swapAt(first, parent)
            parent = first
        }
        now = entry.time
        return entry.action
    }
}
