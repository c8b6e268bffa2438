import ClusterProtocol
import Election

/// The followers' watches as `ExecutorNode` serves them: a leader holds a `watch` of the epoch it leads until it
/// stops leading it (answered at once after the step that changed it), or the hold ends (answered then; a paused
/// leader answers when it resumes). A crash closes the held connections: each caller sees its call fail
/// `unavailable` a network delay later, as libcurl does when a killed process's kernel closes the socket.
extension PipelineRun {
    /// Holds `request` when executor `id` leads the watched epoch; false when it is to be answered at once.
    func holdWatch(_ request: SimRequest, _ params: LeaderWatchRequest, at id: Int) -> Bool {
        let election = executors[id]!.instance.election
        guard params.problem == nil, params.holdMs > 0, election.isLeader, election.current == params.epoch else {
            return false
        }
        let until = scheduler.now &+ UInt64(params.holdMs) &* 1_000_000
        heldWatches.append(HeldWatch(request: request, executor: id, epoch: params.epoch, until: until))
        heldWatchTally.held += 1
        scheduler.schedule(.heldWatchCheck, at: until)
        return true
    }

    /// After a step of executor `id`: the watches of an epoch it no longer leads are answered.
    func answerHeldWatches(of id: Int) {
        guard heldWatches.contains(where: { $0.executor == id }), let executor = executors[id], executor.up else {
            return
        }
        let election = executor.instance.election
        let leading = election.isLeader ? election.current : nil
        for held in take({ $0.executor == id && $0.epoch != leading }) {
            sendReply(to: held.request, .status(leading: leading))
        }
    }

    /// Holds that ended are answered (a paused leader's when it resumes).
    func checkHeldWatches() {
        for held in take({ $0.until <= scheduler.now }) {
            let executor = executors[held.executor]!
            if let until = executor.pausedUntil, until > scheduler.now {
                heldWatches.append(held)
                scheduler.schedule(.heldWatchCheck, at: until)
                continue
            }
            let election = executor.instance.election
            sendReply(to: held.request, .status(leading: election.isLeader ? election.current : nil))
        }
    }

    /// Executor `id` crashed: the connections of the watches it held close.
    func breakHeldWatches(of id: Int) {
        for held in take({ $0.executor == id }) where !cut(held.request.from, held.request.to) {
            heldWatchTally.broken += 1
            scheduler.schedule(.refused(msg: held.request.msg), at: scheduler.now &+ delay())
        }
    }

    private func take(_ matching: (HeldWatch) -> Bool) -> [HeldWatch] {
        let taken = heldWatches.filter(matching)
        heldWatches.removeAll(where: matching)
        return taken
    }
}
