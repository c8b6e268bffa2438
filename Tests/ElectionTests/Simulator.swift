import Election
import SeededRandom

/// One millisecond in the simulator's nanosecond clock.
let ms: UInt64 = 1_000_000

extension SplitMix64 {
    /// A value in `range`, by our own arithmetic (the standard library's algorithm is not a stability promise).
    mutating func next(in range: ClosedRange<UInt64>) -> UInt64 {
        let width = range.upperBound &- range.lowerBound
        guard width != .max else { return next() }
        return range.lowerBound + next() % (width + 1)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < p
    }
}

/// A min-heap of events ordered by time, then by insertion order (FIFO among equal times).
struct EventQueue<Payload> {
    private struct Entry {
        var time: UInt64
        var sequence: UInt64
        var payload: Payload

        func precedes(_ other: Entry) -> Bool { (time, sequence) < (other.time, other.sequence) }
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    /// The time of the earliest event.
    var nextTime: UInt64? { heap.first?.time }

    mutating func push(_ payload: Payload, at time: UInt64) {
        heap.append(Entry(time: time, sequence: nextSequence, payload: payload))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: UInt64, payload: Payload)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count, heap[left].precedes(heap[first]) { first = left }
            if right < heap.count, heap[right].precedes(heap[first]) { first = right }
            guard first != parent else { break }
            heap.swapAt(parent, first)
            parent = first
        }
        return (top.time, top.payload)
    }
}

/// A VOPR-style deterministic simulator of N executors running `BullyElection` over a faulty network.
///
/// Everything random (delays, drops) comes from one seeded `SplitMix64`, and events at the same instant are
/// handled in insertion order, so a seed replays a run exactly. Faults are injected between `run(until:)` calls.
final class Simulator {
    /// Something that happens at one instant.
    enum Event {
        /// `message` from `from` reaches `to`, if `to` is still the incarnation it was sent to.
        case deliver(BullyMessage, from: Int, to: Int, incarnation: Int)
        /// `timer` of `node` fires, if it is still armed with `generation`.
        case timer(BullyTimer, node: Int, generation: UInt64)
        /// A paused node wakes up (SIGCONT).
        case resume(node: Int, incarnation: Int)
        /// The outcome of `node`'s probe of its suspected leader reaches it (if still that incarnation).
        case probeResult(LeaderProbeResult, probe: UInt64, node: Int, incarnation: Int)
        /// The outcome of `node`'s watch of its leader reaches it (if still that incarnation).
        case watchResult(LeaderWatchResult, watch: UInt64, node: Int, incarnation: Int)
        /// Held watches whose hold has ended are answered.
        case watchCheck
    }

    /// A `.leaderChanged` directive as seen at a node.
    struct LeaderChange {
        var time: UInt64
        var node: Int
        var incarnation: Int
        var epoch: Epoch
    }

    /// A node starting or stopping to consider itself leader.
    struct LeadershipChange {
        var time: UInt64
        var node: Int
        var isLeader: Bool
        /// The epoch the node held when the change happened.
        var epoch: Epoch?
    }

    struct ElectionStart {
        var time: UInt64
        var node: Int
        var reason: String
    }

    struct StepDown {
        var time: UInt64
        var node: Int
        var from: Epoch
        var newer: Epoch
    }

    /// A node following, not leading, an epoch that names itself as leader.
    struct SelfFollow {
        var time: UInt64
        var node: Int
        var epoch: Epoch
    }

    struct Send {
        var time: UInt64
        var from: Int
        var to: Int
        var message: BullyMessage
    }

    struct Node {
        var election: BullyElection
        var isUp = true
        /// Bumped on crash and on restart: messages and timers for an older incarnation are dropped.
        var incarnation = 0
        var pausedUntil: UInt64?
        /// Events that reached the node while it was paused, in arrival order.
        var buffered: [Event] = []
        /// The armed timers and the generation of their current arming.
        var timers: [BullyTimer: UInt64] = [:]
        var wasLeader = false
    }

    let seed: UInt64
    let ids: [Int]
    let configuration: BullyConfiguration
    /// Delay of every delivered message, drawn uniformly.
    var delay: ClosedRange<UInt64>
    /// Probability that a sent message is lost.
    var dropProbability: Double = 0
    /// The partition group of each node; nodes in different groups cannot talk. Empty means healthy.
    private(set) var groups: [Int: Int] = [:]

    private(set) var now: UInt64 = 0
    var rng: SplitMix64
    var queue = EventQueue<Event>()
    var nodes: [Int: Node] = [:]
    /// Watches the leaders hold now (`Simulator+Watch`).
    var heldWatches: [SimHeldWatch] = []
    /// Watch calls sent, and how they ended.
    var watchTally: [String: Int] = [:]
    private var nextGeneration: UInt64 = 0

    private(set) var leaderChanges: [LeaderChange] = []
    private(set) var leadership: [LeadershipChange] = []
    private(set) var electionStarts: [ElectionStart] = []
    private(set) var stepDowns: [StepDown] = []
    private(set) var selfFollows: [SelfFollow] = []
    private(set) var sends: [Send] = []
    private(set) var delivered = 0
    private(set) var dropped = 0

    /// Builds `count` nodes with ids 1…count and starts them all at time 0.
    init(
        nodes count: Int, seed: UInt64, configuration: BullyConfiguration = .loopback,
        delay: ClosedRange<UInt64> = 200_000...5 * ms, dropProbability: Double = 0, startAll: Bool = true
    ) {
        self.seed = seed
        self.ids = Array(1...count)
        self.configuration = configuration
        self.delay = delay
        self.dropProbability = dropProbability
        self.rng = SplitMix64(seed: seed)
        for id in ids {
            var node = Node(election: BullyElection(id: id, peers: ids, configuration: configuration))
            node.isUp = false
            nodes[id] = node
        }
        if startAll { for id in ids { restart(id) } }
    }

    // MARK: Observation

    func election(_ id: Int) -> BullyElection { nodes[id]!.election }
    func isUp(_ id: Int) -> Bool { nodes[id]!.isUp }
    func isPaused(_ id: Int) -> Bool { nodes[id]!.pausedUntil != nil }
    /// Up and not paused.
    var liveIDs: [Int] { ids.filter { isUp($0) && !isPaused($0) } }
    /// Live nodes that consider themselves leader right now.
    var currentLeaders: [Int] { liveIDs.filter { election($0).isLeader } }

    /// Adds a fabricated history entry, to show that the invariant checks catch a violation.
    func inject(_ change: LeaderChange) { leaderChanges.append(change) }

    /// Adds a fabricated leadership change, to show that the invariant checks catch a violation.
    func inject(_ change: LeadershipChange) { leadership.append(change) }

    // MARK: Running

    /// Processes every event up to and including `time`, then sets the clock to `time`.
    func run(until time: UInt64) {
        while let next = queue.nextTime, next <= time {
            let (at, event) = queue.pop()!
            now = at
            dispatch(event)
        }
        now = max(now, time)
    }

    /// Runs for `duration` more simulated nanoseconds.
    func run(for duration: UInt64) { run(until: now + duration) }

    /// Runs until `condition` holds (checked before each event) or the clock passes `limit`.
    /// Returns whether the condition held; the clock stops at the event that made it hold.
    @discardableResult
    func run(until limit: UInt64, stoppingWhen condition: () -> Bool) -> Bool {
        while !condition() {
            guard let next = queue.nextTime, next <= limit else {
                now = max(now, limit)
                return condition()
            }
            let (at, event) = queue.pop()!
            now = at
            dispatch(event)
        }
        return true
    }

    // MARK: Faults

    /// The node stops: its timers, buffered events and messages in flight to it are lost.
    func crash(_ id: Int) {
        guard nodes[id]!.isUp else { return }
        nodes[id]!.isUp = false
        nodes[id]!.incarnation += 1
        nodes[id]!.timers = [:]
        nodes[id]!.buffered = []
        nodes[id]!.pausedUntil = nil
        breakWatches(of: id)
        noteLeadership(id, isLeader: false)
    }

    /// The node comes back with a fresh state machine and starts (a crashed node rejoins, a new one joins).
    func restart(_ id: Int) {
        crash(id)
        nodes[id]!.election = BullyElection(id: id, peers: ids, configuration: configuration)
        nodes[id]!.isUp = true
        nodes[id]!.incarnation += 1
        step(id) { $0.start(now: now) }
    }

    /// SIGSTOP for `duration`: messages and timers that arrive meanwhile are handled, in order, on resume.
    func pause(_ id: Int, for duration: UInt64) {
        guard nodes[id]!.isUp, nodes[id]!.pausedUntil == nil else { return }
        nodes[id]!.pausedUntil = now + duration
        queue.push(.resume(node: id, incarnation: nodes[id]!.incarnation), at: now + duration)
    }

    /// Splits the cluster: nodes in different groups cannot reach each other. Unlisted nodes form one group.
    func partition(_ parts: [[Int]]) {
        groups = [:]
        for (index, part) in parts.enumerated() {
            for id in part { groups[id] = index + 1 }
        }
    }

    /// Removes every partition.
    func heal() { groups = [:] }

    func canReach(_ a: Int, _ b: Int) -> Bool { groups[a, default: 0] == groups[b, default: 0] }

    /// Ends all faults that can end: heal the network, stop losing messages, wake paused nodes.
    func stopFaults() {
        heal()
        dropProbability = 0
        for id in ids where isPaused(id) {
            nodes[id]!.pausedUntil = now
            queue.push(.resume(node: id, incarnation: nodes[id]!.incarnation), at: now)
        }
    }

    // MARK: Internals

    private func dispatch(_ event: Event) {
        switch event {
        case .deliver(_, let from, let to, let incarnation):
            guard nodes[to]!.isUp, nodes[to]!.incarnation == incarnation else {
                dropped += 1
                return
            }
            // A partition that formed while the message was in flight also loses it.
            guard canReach(from, to) else {
                dropped += 1
                return
            }
            handle(event, at: to)
        case .timer(_, let node, _):
            guard nodes[node]!.isUp else { return }
            handle(event, at: node)
        case .probeResult(_, _, let node, let incarnation), .watchResult(_, _, let node, let incarnation):
            guard nodes[node]!.isUp, nodes[node]!.incarnation == incarnation else { return }
            handle(event, at: node)
        case .watchCheck:
            checkWatches()
        case .resume(let id, let incarnation):
            guard nodes[id]!.isUp, nodes[id]!.incarnation == incarnation,
                let until = nodes[id]!.pausedUntil, until <= now
            else { return }
            nodes[id]!.pausedUntil = nil
            let backlog = nodes[id]!.buffered
            nodes[id]!.buffered = []
            for event in backlog { process(event, at: id) }
        }
    }

    private func handle(_ event: Event, at id: Int) {
        if nodes[id]!.pausedUntil != nil {
            nodes[id]!.buffered.append(event)
        } else {
            process(event, at: id)
        }
    }

    private func process(_ event: Event, at id: Int) {
        switch event {
        case .deliver(let message, let from, _, _):
            delivered += 1
            step(id) { $0.onMessage(message, from: from, now: now) }
        case .timer(let timer, _, let generation):
            guard nodes[id]!.timers[timer] == generation else { return }
            nodes[id]!.timers[timer] = nil
            step(id) { $0.onTimer(timer, now: now) }
        case .probeResult(let result, let probe, _, _):
            step(id) { $0.onProbeResult(result, probe: probe, now: now) }
        case .watchResult(let result, let watch, _, _):
            step(id) { $0.onWatchEnded(result, watch: watch, now: now) }
        case .resume, .watchCheck:
            break
        }
    }

    /// Feeds one input to node `id` and carries out its directives.
    func step(_ id: Int, _ input: (inout BullyElection) -> [BullyDirective]) {
        let directives = input(&nodes[id]!.election)
        for directive in directives { execute(directive, at: id) }
        let election = nodes[id]!.election
        noteLeadership(id, isLeader: election.isLeader)
        if election.role == .follower, let epoch = election.current, epoch.leader == id {
            selfFollows.append(SelfFollow(time: now, node: id, epoch: epoch))
        }
    }

    private func execute(_ directive: BullyDirective, at id: Int) {
        switch directive {
        case .send(let message, let to):
            guard nodes[to] != nil else { return }
            sends.append(Send(time: now, from: id, to: to, message: message))
            guard canReach(id, to), !rng.chance(dropProbability) else {
                dropped += 1
                return
            }
            let arrival = now + rng.next(in: delay)
            queue.push(.deliver(message, from: id, to: to, incarnation: nodes[to]!.incarnation), at: arrival)
        case .setTimer(let timer, let deadline):
            nextGeneration += 1
            nodes[id]!.timers[timer] = nextGeneration
            queue.push(.timer(timer, node: id, generation: nextGeneration), at: max(deadline, now))
        case .cancelTimer(let timer):
            nodes[id]!.timers[timer] = nil
        case .probeLeader(let leader, let probe, let deadline):
            probeLeader(leader, probe: probe, deadline: deadline, from: id)
        case .watchLeader(let leader, let epoch, let watch, let hold, let deadline):
            watchLeader(leader, epoch: epoch, watch: watch, hold: hold, deadline: deadline, from: id)
        case .leaderTimedOut:
            break
        case .electionStarted(let reason):
            electionStarts.append(ElectionStart(time: now, node: id, reason: reason))
        case .leaderChanged(let epoch):
            leaderChanges.append(
                LeaderChange(time: now, node: id, incarnation: nodes[id]!.incarnation, epoch: epoch))
        case .steppedDown(let from, let newer):
            stepDowns.append(StepDown(time: now, node: id, from: from, newer: newer))
        }
    }

    /// The `status` call of a probe: a crashed leader refuses at once, an unreachable one (partition, lost
    /// request) times out at the deadline, a paused one answers after it resumes (if before the deadline), a live
    /// one answers after a round trip with the epoch it leads when the request arrives.
    private func probeLeader(_ leader: Int, probe: UInt64, deadline: UInt64, from id: Int) {
        let incarnation = nodes[id]!.incarnation
        func result(_ result: LeaderProbeResult, at time: UInt64) {
            let late = time > deadline
            queue.push(
                .probeResult(late ? .timedOut : result, probe: probe, node: id, incarnation: incarnation),
                at: late ? max(deadline, now) : time)
        }
        guard let target = nodes[leader], canReach(id, leader), !rng.chance(dropProbability) else {
            return result(.timedOut, at: .max)
        }
        let arrival = now + rng.next(in: delay)
        guard target.isUp else { return result(.refused, at: arrival + rng.next(in: delay)) }
        let served = max(arrival, target.pausedUntil ?? 0)
        let leading = target.election.isLeader ? target.election.current : nil
        result(.answered(leading: leading), at: served + rng.next(in: delay))
    }

    private func noteLeadership(_ id: Int, isLeader: Bool) {
        guard nodes[id]!.wasLeader != isLeader else { return }
        nodes[id]!.wasLeader = isLeader
        answerWatches(of: id)
        let epoch = nodes[id]!.election.current
        leadership.append(LeadershipChange(time: now, node: id, isLeader: isLeader, epoch: epoch))
    }
}
