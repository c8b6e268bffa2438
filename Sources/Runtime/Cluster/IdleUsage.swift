import Foundation

/// What an idle cluster's processes used over an interval: CPU as a share of one core and context switches per
/// second (each voluntary switch is a thread going to sleep, so roughly one wake-up), per process and per thread.
/// Computed from two `ProcessCounters` samples; `bookstore-bench idle` prints it.
public struct IdleUsage: Codable, Sendable, Equatable {
    /// One thread over the interval.
    public struct ThreadUsage: Codable, Sendable, Equatable {
        public var tid: Int32
        public var name: String
        public var percentOfCore: Double
        public var switchesPerSecond: Double
        public var voluntaryPerSecond: Double
    }

    /// One process over the interval.
    public struct ProcessUsage: Codable, Sendable, Equatable {
        public var name: String
        public var pid: Int32
        /// CPU seconds per wall second, in percent of one core (every thread, ended ones included).
        public var percentOfCore: Double
        public var cpuMilliseconds: Double
        /// Context switches per second of the threads alive at the end (those that ended are not counted).
        public var switchesPerSecond: Double
        public var voluntaryPerSecond: Double
        /// Threads alive at the end.
        public var threadCount: Int
        /// The threads that ran or switched at all, busiest first.
        public var threads: [ThreadUsage]
    }

    /// Wall seconds between the samples.
    public var seconds: Double
    public var processes: [ProcessUsage]
    public var totalPercentOfCore: Double
    public var totalSwitchesPerSecond: Double
    /// `/proc/loadavg`'s three averages before and after the interval (nil when not read).
    public var loadAverageBefore: String?
    public var loadAverageAfter: String?

    /// The usage from `before` to `after` over `seconds`, for processes in both samples with the same pid (a
    /// process restarted in between is left out). A thread absent from `before` counts from zero.
    public static func between(
        _ before: [ProcessCounters], _ after: [ProcessCounters], seconds: Double,
        ticksPerSecond: Double = ProcessCPU.ticksPerSecond
    ) -> IdleUsage {
        let earlier = Dictionary(before.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let wall = max(seconds, 1e-9)
        var processes: [ProcessUsage] = []
        for now in after {
            guard let then = earlier[now.name], then.pid == now.pid else { continue }
            let threadsBefore = Dictionary(then.threads.map { ($0.tid, $0) }, uniquingKeysWith: { first, _ in first })
            let threads = now.threads.map { thread -> ThreadUsage in
                let old = threadsBefore[thread.tid]
                let ticks = Self.delta(thread.ticks, old?.ticks)
                let voluntary = Self.delta(thread.voluntarySwitches, old?.voluntarySwitches)
                let involuntary = Self.delta(thread.involuntarySwitches, old?.involuntarySwitches)
                return ThreadUsage(
                    tid: thread.tid, name: thread.name, percentOfCore: Double(ticks) / ticksPerSecond / wall * 100,
                    switchesPerSecond: Double(voluntary &+ involuntary) / wall,
                    voluntaryPerSecond: Double(voluntary) / wall)
            }
            let cpu = Double(Self.delta(now.ticks, then.ticks)) / ticksPerSecond
            processes.append(
                ProcessUsage(
                    name: now.name, pid: now.pid, percentOfCore: cpu / wall * 100, cpuMilliseconds: cpu * 1000,
                    switchesPerSecond: threads.reduce(0) { $0 + $1.switchesPerSecond },
                    voluntaryPerSecond: threads.reduce(0) { $0 + $1.voluntaryPerSecond },
                    threadCount: now.threads.count,
                    threads: threads.filter { $0.percentOfCore > 0 || $0.switchesPerSecond > 0 }
                        .sorted { ($0.switchesPerSecond, $0.percentOfCore) > ($1.switchesPerSecond, $1.percentOfCore) }
                ))
        }
        let ordered = order(processes.map(\.name)).compactMap { name in processes.first { $0.name == name } }
        return IdleUsage(
            seconds: seconds, processes: ordered, totalPercentOfCore: ordered.reduce(0) { $0 + $1.percentOfCore },
            totalSwitchesPerSecond: ordered.reduce(0) { $0 + $1.switchesPerSecond })
    }

    /// `now - then`, or `now` when there was no `then`, and 0 when the counter went backwards.
    private static func delta(_ now: UInt64, _ then: UInt64?) -> UInt64 {
        guard let then else { return now }
        return now >= then ? now - then : 0
    }

    /// The request path first, the queue, the executors, then the supervisor and anything else.
    static func order(_ names: [String]) -> [String] {
        let first = ["orchestrator", "verification", "fraud", "suggestions", "queue"]
        let executors = names.filter { $0.hasPrefix("executor-") }.sorted()
        let rest = names.filter { !first.contains($0) && !$0.hasPrefix("executor-") }.sorted()
        return first.filter(names.contains) + executors + rest
    }

    /// The table: one line per process (and, with `threads`, one per thread that ran or switched under it), and
    /// the total.
    public func text(threads: Bool = false) -> [String] {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        func figures(_ percent: Double, _ switches: Double, _ voluntary: Double) -> String {
            pad(String(format: "%.3f", percent), 13) + pad(String(format: "%.1f", switches), 12)
                + String(format: "%.1f", voluntary)
        }
        var lines = [String(format: "Idle cluster over %.1f s", seconds)]
        if let loadAverageBefore, let loadAverageAfter {
            lines[0] += " (load average \(loadAverageBefore) before, \(loadAverageAfter) after)"
        }
        lines.append(pad("process", 22) + pad("% of a core", 13) + pad("switches/s", 12) + "voluntary/s")
        for process in processes {
            lines.append(
                pad(process.name, 22)
                    + figures(process.percentOfCore, process.switchesPerSecond, process.voluntaryPerSecond))
            guard threads else { continue }
            for thread in process.threads {
                lines.append(
                    pad("  \(thread.tid) \(thread.name)", 22)
                        + figures(thread.percentOfCore, thread.switchesPerSecond, thread.voluntaryPerSecond))
            }
        }
        lines.append(
            pad("total", 22)
                + figures(
                    totalPercentOfCore, totalSwitchesPerSecond, processes.reduce(0) { $0 + $1.voluntaryPerSecond }))
        return lines
    }
}
