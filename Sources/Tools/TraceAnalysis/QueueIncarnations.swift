import TraceFormat

/// The queue's own clock entries recorded by each of its processes, and the holes in them. Within one process the
/// own entry grows by exactly one per event, and a restarted queue continues above a reserved range, so each
/// process's entries form an interval; a counter that another node learned but that lies in a hole of its
/// process's interval, or above its highest recorded value, was used by the queue but its trace no longer holds the
/// event (dropped by the writer, in a damaged part of the file, or in the tail a kill cut off).
struct QueueIncarnations {
    /// Counters the queue's trace does not hold, with the events on either side.
    struct Gap {
        /// First and last missing own entry (`last` is `UInt64.max` for the tail after a process's last event).
        var first: UInt64
        var last: UInt64
        /// The queue's last event before the gap and its first after it (nil for a lost tail).
        var before: RunEvent
        var after: RunEvent?
    }

    /// One process's own entries: lowest and highest recorded, and its event with the highest.
    private struct Process {
        var lowest: UInt64
        var highest: UInt64
        var last: RunEvent
    }

    /// Every process, in the order first seen (`positions`: pid → place), and the place of the last one seen.
    private var processes: [Process] = []
    private var positions: [Int32: Int] = [:]
    private var lastPid: Int32 = 0
    private var lastPlace = -1
    /// Holes inside processes, in the order met (bounded: enough to explain a damaged file's few holes).
    private(set) var holes: [Gap] = []
    static let maximumHoles = 1_024

    mutating func observe(_ event: RunEvent) {
        let own = event.node >= 0 ? event.dense[event.node] : event.counter("queue")
        let pid = event.envelope.pid
        if lastPlace < 0 || pid != lastPid {
            guard let place = positions[pid] else {
                positions[pid] = processes.count
                processes.append(Process(lowest: own, highest: own, last: event))
                (lastPid, lastPlace) = (pid, processes.count - 1)
                return
            }
            (lastPid, lastPlace) = (pid, place)
        }
        let range = processes[lastPlace]
        if own > range.highest &+ 1, range.highest < .max, holes.count < Self.maximumHoles {
            holes.append(Gap(first: range.highest + 1, last: own - 1, before: range.last, after: event))
        }
        if own >= range.highest {
            processes[lastPlace].highest = own
            processes[lastPlace].last = event
        } else {
            processes[lastPlace].lowest = min(range.lowest, own)
        }
    }

    /// The gap of the queue's trace that holds counter `own` (as another node learned it), or nil when the
    /// queue's trace holds it or it is below every process: evidence that the trace lost that event, not that it
    /// never happened.
    func gap(holding own: UInt64) -> Gap? {
        if let hole = holes.first(where: { $0.first <= own && own <= $0.last }) { return hole }
        guard let process = processes.filter({ $0.lowest <= own }).max(by: { $0.lowest < $1.lowest }),
            own > process.highest
        else { return nil }
        return Gap(first: process.highest &+ 1, last: .max, before: process.last, after: nil)
    }

    /// True when the queue's counter `own` lies in a part of the queue's trace that is missing.
    func isInLostTail(_ own: UInt64) -> Bool { gap(holding: own) != nil }
}
