import ExecutorCore

/// One armed timer of the node: the deadline the instance asked for, and the one sleeping task that carries it.
struct NodeTimer {
    /// When the timer is due (the instance's latest `setTimer`).
    var deadline: UInt64
    /// When the sleeper wakes up next; a deadline moved later than this is slept to after that wake-up.
    var sleepingUntil: UInt64
    /// Which sleeper carries the timer (a cancelled one that still wakes up is told to end).
    var sleeper: UInt64
    var task: Task<Void, Never>?
}

/// The timers the instance arms (`setTimer`, `cancelTimer`) as sleeping tasks that are not torn down on every
/// re-arm: a re-arm to a later deadline only moves the stored deadline (the sleeper, when it wakes, sleeps again
/// until it), and a timer re-armed while it fires keeps its sleeper. A sleeper is cancelled and replaced only when
/// the new deadline is earlier than its wake-up or the timer is cancelled.
extension ExecutorNode {
    func arm(_ timer: ExecutorTimer, deadline: UInt64) {
        if var armed = timers[timer], armed.task != nil, deadline >= armed.sleepingUntil {
            armed.deadline = deadline
            timers[timer] = armed
            return
        }
        if let firing, firing.timer == timer {
            // The step runs inside this timer's own sleeper: it sleeps again until the new deadline.
            timers[timer] = NodeTimer(deadline: deadline, sleepingUntil: deadline, sleeper: firing.sleeper, task: nil)
            return
        }
        timers.removeValue(forKey: timer)?.task?.cancel()
        nextSleeper &+= 1
        let sleeper = nextSleeper
        let monotonic = self.monotonic
        let task = Task { [weak self] in
            var wakeAt = deadline
            while true {
                let now = monotonic()
                if wakeAt > now { try? await Task.sleep(nanoseconds: wakeAt - now) }
                guard !Task.isCancelled, let self, let next = await self.sleeperWoke(timer, sleeper: sleeper) else {
                    return
                }
                wakeAt = next
            }
        }
        timers[timer] = NodeTimer(deadline: deadline, sleepingUntil: deadline, sleeper: sleeper, task: task)
    }

    func disarm(_ timer: ExecutorTimer) {
        // A timer re-armed and cancelled within its own firing step has no task here: its sleeper ends on return.
        timers.removeValue(forKey: timer)?.task?.cancel()
    }

    /// A sleeper woke up: when its timer's deadline moved later, the time to sleep until; when due, the timer fires
    /// (a step of the instance) and, when that step armed it again, the new deadline; nil: the sleeper ends.
    func sleeperWoke(_ timer: ExecutorTimer, sleeper: UInt64) -> UInt64? {
        guard !stopped, var armed = timers[timer], armed.sleeper == sleeper else { return nil }
        let now = monotonic()
        if armed.deadline > armed.sleepingUntil, armed.deadline > now {
            armed.sleepingUntil = armed.deadline
            timers[timer] = armed
            return armed.deadline
        }
        timers[timer] = nil
        firing = (timer, sleeper)
        apply(instance.onTimer(timer, now: now))
        firing = nil
        guard var again = timers[timer], again.sleeper == sleeper, again.task == nil else { return nil }
        again.task = armed.task
        timers[timer] = again
        return again.deadline
    }
}
