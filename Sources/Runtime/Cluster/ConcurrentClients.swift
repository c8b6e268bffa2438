import Foundation
import Synchronization

/// Runs `count` clients really at once: one thread each (not `concurrentPerform`, which runs no more iterations at
/// once than there are cores, so "8 clients" on 2 cores were 2).
public enum ConcurrentClients {
    /// Calls `client(index)` for every index in `0..<count`, each on its own thread, and returns when all are done.
    public static func run(_ count: Int, _ client: @escaping @Sendable (Int) -> Void) {
        run(count, prepare: { _ in () }, start: {}, { index, _, _ in client(index) })
    }

    /// Runs the clients in two phases. Each first calls `prepare(index)` on its thread (the thread starts, opens
    /// its connection, allocates what it records into: the client's `state`); when every client has prepared,
    /// `start()` is called once on the calling thread, and each client's `client(index, start, &state)` runs with
    /// its value; returns that value when all are done. An open loop takes its schedule's start there, so that the
    /// time its clients take to come up is not charged to the first requests as latency (wrk2 likewise connects
    /// before its clock starts).
    @discardableResult
    public static func run<State, Start: Sendable>(
        _ count: Int, prepare: @escaping @Sendable (Int) -> State, start: () -> Start,
        _ client: @escaping @Sendable (Int, Start, inout State) -> Void
    ) -> Start {
        let clients = max(0, count)
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let go = DispatchSemaphore(value: 0)
        let startValue = Mutex<Start?>(nil)
        for index in 0..<clients {
            ready.enter()
            done.enter()
            let thread = Thread {
                var state = prepare(index)
                ready.leave()
                go.wait()
                if let value = startValue.withLock({ $0 }) { client(index, value, &state) }
                done.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        ready.wait()
        let value = start()
        startValue.withLock { $0 = value }
        for _ in 0..<clients { go.signal() }
        done.wait()
        return value
    }
}
