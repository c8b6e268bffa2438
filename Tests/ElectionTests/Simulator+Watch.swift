import Election

/// A follower's `watch` held at its leader in the simulator.
struct SimHeldWatch {
    var watcher: Int
    var incarnation: Int
    var number: UInt64
    var target: Int
    var epoch: Epoch
    /// When the request reaches the leader, and when its hold ends.
    var arrival: UInt64
    var until: UInt64
    var deadline: UInt64
}

/// The `watch` call as the executors' servers serve it: the leader holds it until it stops leading the watched
/// epoch (answered: not leading) or the hold ends (answered with what it leads then; a paused leader answers when it
/// resumes); a crash closes the connection (broken, a round trip later). A reply that cannot cross a partition, or
/// that would arrive after the deadline, is a failure at the deadline; a lost request likewise.
extension Simulator {
    func watchLeader(_ leader: Int, epoch: Epoch, watch: UInt64, hold: UInt64, deadline: UInt64, from id: Int) {
        watchTally["sent", default: 0] += 1
        let incarnation = nodes[id]!.incarnation
        guard let target = nodes[leader], canReach(id, leader), !rng.chance(dropProbability) else {
            return deliverWatch(.failed, watch: watch, to: id, incarnation: incarnation, at: deadline, deadline)
        }
        let arrival = now + rng.next(in: delay)
        guard target.isUp else {
            return deliverWatch(
                .broken, watch: watch, to: id, incarnation: incarnation, at: arrival + rng.next(in: delay), deadline)
        }
        heldWatches.append(
            SimHeldWatch(
                watcher: id, incarnation: incarnation, number: watch, target: leader, epoch: epoch, arrival: arrival,
                until: arrival + hold, deadline: deadline))
        if !(target.election.isLeader && target.election.current == epoch) {
            answerWatches(of: leader)
        }
        queue.push(.watchCheck, at: arrival + hold)
    }

    /// Leader `id` crashed: the connections of the watches it held close.
    func breakWatches(of id: Int) {
        for held in takeWatches({ $0.target == id }) {
            let at = max(now, held.arrival) + rng.next(in: delay)
            deliverWatch(.broken, watch: held.number, to: held.watcher, incarnation: held.incarnation, at: at, held)
        }
    }

    /// `id`'s leadership changed: the watches of an epoch it no longer leads are answered.
    func answerWatches(of id: Int) {
        let election = nodes[id]!.election
        let leading = election.isLeader ? election.current : nil
        for held in takeWatches({ $0.target == id && $0.epoch != leading }) { answer(held) }
    }

    /// Watches whose hold has ended are answered.
    func checkWatches() {
        for held in takeWatches({ $0.until <= now }) { answer(held) }
    }

    private func answer(_ held: SimHeldWatch) {
        let target = nodes[held.target]!
        let leading = target.election.isLeader ? target.election.current : nil
        let served = max(now, held.arrival, target.pausedUntil ?? 0)
        let at = served + rng.next(in: delay)
        guard canReach(held.watcher, held.target) else {
            return deliverWatch(
                .failed, watch: held.number, to: held.watcher, incarnation: held.incarnation, at: .max, held)
        }
        deliverWatch(
            .answered(leading: leading), watch: held.number, to: held.watcher, incarnation: held.incarnation, at: at,
            held)
    }

    private func takeWatches(_ matching: (SimHeldWatch) -> Bool) -> [SimHeldWatch] {
        let taken = heldWatches.filter(matching)
        heldWatches.removeAll(where: matching)
        return taken
    }

    private func deliverWatch(
        _ result: LeaderWatchResult, watch: UInt64, to id: Int, incarnation: Int, at time: UInt64, _ held: SimHeldWatch
    ) {
        deliverWatch(result, watch: watch, to: id, incarnation: incarnation, at: time, held.deadline)
    }

    /// Delivers `result` at `time`, or a failure at `deadline` when `time` is later.
    private func deliverWatch(
        _ result: LeaderWatchResult, watch: UInt64, to id: Int, incarnation: Int, at time: UInt64, _ deadline: UInt64
    ) {
        let late = time > deadline
        let outcome = late ? LeaderWatchResult.failed : result
        let name: String
        switch outcome {
        case .answered: name = "answered"
        case .broken: name = "broken"
        case .failed: name = "failed"
        }
        watchTally[name, default: 0] += 1
        queue.push(
            .watchResult(outcome, watch: watch, node: id, incarnation: incarnation),
            at: late ? max(deadline, now) : time)
    }
}
