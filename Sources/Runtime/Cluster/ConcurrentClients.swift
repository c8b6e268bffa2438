import Foundation

/// Runs `count` clients really at once: one thread each (not `concurrentPerform`, which runs no more iterations at
/// once than there are cores, so "8 clients" on 2 cores were 2).
public enum ConcurrentClients {
    /// Calls `client(index)` for every index in `0..<count`, each on its own thread, and returns when all are done.
    public static func run(_ count: Int, _ client: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for index in 0..<max(0, count) {
            group.enter()
            let thread = Thread {
                client(index)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }
}
