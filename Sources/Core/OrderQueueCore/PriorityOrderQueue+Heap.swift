/// The heap mechanics behind `PriorityOrderQueue`, kept apart from the queue's rules. The heap holds handles;
/// a move updates two integers, never an order or a dictionary.
extension PriorityOrderQueue {
    /// True when the order with handle `a` is served before the one with handle `b` (`QueuedOrder.isServed`).
    func isServed(_ a: Int, before b: Int) -> Bool {
        let (left, right) = (keys[a], keys[b])
        if left.priority != right.priority { return left.priority > right.priority }
        if left.sequence != right.sequence { return left.sequence < right.sequence }
        return (orders[a]?.orderId ?? "") < (orders[b]?.orderId ?? "")
    }

    /// Stores `order` under a free handle and restores the heap.
    mutating func insert(_ order: QueuedOrder) {
        let key = ServingKey(priority: order.priority, sequence: order.enqueueSequence)
        let handle: Int
        if let reused = freeHandles.popLast() {
            handle = reused
            orders[handle] = order
            keys[handle] = key
        } else {
            handle = orders.count
            orders.append(order)
            keys.append(key)
            positions.append(0)
        }
        slots[order.orderId] = handle
        waitingPerPriority[order.priority, default: 0] += 1
        heap.append(handle)
        positions[handle] = heap.count - 1
        siftUp(heap.count - 1)
    }

    /// Removes the order at heap index `index`: the last element takes its place and moves up or down as needed.
    mutating func removeAt(_ index: Int) -> QueuedOrder {
        let handle = heap[index]
        let last = heap.count - 1
        if index != last { swapAt(index, last) }
        heap.removeLast()
        if index < heap.count {
            siftDown(index)
            siftUp(index)
        }
        let removed = orders[handle]!
        orders[handle] = nil
        slots[removed.orderId] = nil
        let left = (waitingPerPriority[removed.priority] ?? 1) - 1
        waitingPerPriority[removed.priority] = left > 0 ? left : nil
        freeHandles.append(handle)
        return removed
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard isServed(heap[child], before: heap[parent]) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var first = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < heap.count, isServed(heap[left], before: heap[first]) { first = left }
            if right < heap.count, isServed(heap[right], before: heap[first]) { first = right }
            guard first != parent else { return }
            swapAt(parent, first)
            parent = first
        }
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        positions[heap[i]] = i
        positions[heap[j]] = j
    }
}
