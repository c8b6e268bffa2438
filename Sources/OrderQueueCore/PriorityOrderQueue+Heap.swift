/// The heap mechanics behind `PriorityOrderQueue`, kept apart from the queue's rules.
extension PriorityOrderQueue {
    /// Appends `order` and restores the heap.
    mutating func insert(_ order: QueuedOrder) {
        heap.append(order)
        slots[order.orderId] = heap.count - 1
        siftUp(heap.count - 1)
    }

    /// Removes the element at `slot`: the last element takes its place and moves up or down as needed.
    mutating func removeSlot(_ slot: Int) -> QueuedOrder {
        let removed = heap[slot]
        let last = heap.count - 1
        if slot != last { swapSlots(slot, last) }
        heap.removeLast()
        slots[removed.orderId] = nil
        if slot < heap.count {
            siftDown(slot)
            siftUp(slot)
        }
        return removed
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].isServed(before: heap[parent]) else { return }
            swapSlots(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var first = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < heap.count, heap[left].isServed(before: heap[first]) { first = left }
            if right < heap.count, heap[right].isServed(before: heap[first]) { first = right }
            guard first != parent else { return }
            swapSlots(parent, first)
            parent = first
        }
    }

    private mutating func swapSlots(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        slots[heap[i].orderId] = i
        slots[heap[j].orderId] = j
    }
}
