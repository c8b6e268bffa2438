import Foundation

/// A process's CPU ticks and context switches, in total and per thread, read from `/proc/<pid>/stat` and
/// `/proc/<pid>/task/<tid>/{stat,status}`: what `bookstore-bench idle` samples before and after its interval.
public struct ProcessCounters: Sendable, Equatable {
    /// One thread's counters.
    public struct Thread: Sendable, Equatable {
        public var tid: Int32
        /// The thread's name (`comm`, at most 15 bytes: `otlp-export`, `bookstore`, …).
        public var name: String
        /// User plus system clock ticks.
        public var ticks: UInt64
        /// Times the thread gave up the CPU to wait (each one a later wake-up).
        public var voluntarySwitches: UInt64
        /// Times the thread was preempted.
        public var involuntarySwitches: UInt64

        public init(tid: Int32, name: String, ticks: UInt64, voluntarySwitches: UInt64, involuntarySwitches: UInt64) {
            self.tid = tid
            self.name = name
            self.ticks = ticks
            self.voluntarySwitches = voluntarySwitches
            self.involuntarySwitches = involuntarySwitches
        }
    }

    /// The node id (`queue`, `executor-2`, `supervisor`).
    public var name: String
    public var pid: Int32
    /// User plus system clock ticks of the whole process (threads that ended included).
    public var ticks: UInt64
    /// The threads alive when sampled.
    public var threads: [Thread]

    public init(name: String, pid: Int32, ticks: UInt64, threads: [Thread]) {
        self.name = name
        self.pid = pid
        self.ticks = ticks
        self.threads = threads
    }

    /// The command name (field 2, between the first `(` and the last `)`) of a `/proc/…/stat` line.
    public static func commandName(ofStat text: String) -> String? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            return nil
        }
        return String(text[text.index(after: open)..<close])
    }

    /// `voluntary_ctxt_switches` and `nonvoluntary_ctxt_switches` of a `/proc/…/status` text; nil when either is
    /// missing or not a number.
    public static func contextSwitches(ofStatus text: String) -> (voluntary: UInt64, involuntary: UInt64)? {
        var voluntary: UInt64?
        var involuntary: UInt64?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            switch parts[0] {
            case "voluntary_ctxt_switches": voluntary = UInt64(value)
            case "nonvoluntary_ctxt_switches": involuntary = UInt64(value)
            default: continue
            }
        }
        guard let voluntary, let involuntary else { return nil }
        return (voluntary, involuntary)
    }

    /// Reads process `pid` and its threads now; nil when it is gone.
    public static func read(name: String, pid: Int32) -> ProcessCounters? {
        guard pid > 0, let stat = readProcFile("/proc/\(pid)/stat"), let total = ProcessCPU.parseStat(stat) else {
            return nil
        }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let threads = tasks.compactMap(Int32.init).sorted().compactMap { tid -> Thread? in
            let base = "/proc/\(pid)/task/\(tid)"
            guard let stat = readProcFile("\(base)/stat"), let ticks = ProcessCPU.parseStat(stat),
                let status = readProcFile("\(base)/status"), let switches = contextSwitches(ofStatus: status)
            else { return nil }
            return Thread(
                tid: tid, name: commandName(ofStat: stat) ?? "?", ticks: ticks.total,
                voluntarySwitches: switches.voluntary, involuntarySwitches: switches.involuntary)
        }
        return ProcessCounters(name: name, pid: pid, ticks: total.total, threads: threads)
    }
}
