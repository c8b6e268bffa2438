import Foundation

/// This process's CPU time, memory and file descriptors, read from `/proc` (Linux) when Prometheus scrapes, and
/// exposed under the standard `process_*` names every Prometheus client library uses (so stock dashboards work).
public struct ProcessStatistics: Sendable, Equatable {
    /// User plus system CPU time.
    public var cpuSeconds: Double
    public var residentBytes: Double
    public var virtualBytes: Double
    /// Seconds since the Unix epoch at which the process started.
    public var startTimeSeconds: Double
    public var openFileDescriptors: Double?
    public var maxFileDescriptors: Double?

    /// Parses `/proc/<pid>/stat` (`stat`) with the boot time of `/proc/stat` (`btime`), the clock ticks per second
    /// and the page size. Nil when the text is not a stat line.
    public static func parse(
        stat: String, bootTime: Double, ticksPerSecond: Double, pageSize: Double
    )
        -> ProcessStatistics?
    {
        // The command name (field 2) is in parentheses and may contain spaces: fields are counted after it.
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state): field n is fields[n - 3].
        func field(_ n: Int) -> Double? { fields.count > n - 3 ? Double(fields[n - 3]) : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let resident = field(24)
        else { return nil }
        return ProcessStatistics(
            cpuSeconds: (user + system) / ticksPerSecond, residentBytes: resident * pageSize, virtualBytes: virtual,
            startTimeSeconds: bootTime + start / ticksPerSecond, openFileDescriptors: nil, maxFileDescriptors: nil)
    }

    /// The boot time (`btime`, seconds since the epoch) from the text of `/proc/stat`.
    public static func bootTime(procStat: String) -> Double? {
        for line in procStat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// This process now; nil where `/proc` is not readable.
    public static func current() -> ProcessStatistics? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let procStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let boot = bootTime(procStat: procStat),
            var statistics = parse(
                stat: stat, bootTime: boot, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
                pageSize: Double(sysconf(Int32(_SC_PAGESIZE))))
        else { return nil }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            statistics.openFileDescriptors = Double(descriptors.count)
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            statistics.maxFileDescriptors = Double(limit.rlim_cur)
        }
        return statistics
    }

    /// The `process_*` families.
    public var families: [CollectedFamily] {
        var families = [
            CollectedFamily(
                name: "process_cpu_seconds_total", kind: .counter,
                help: "Total user and system CPU time spent in seconds.",
                value: cpuSeconds),
            CollectedFamily(
                name: "process_resident_memory_bytes", kind: .gauge, help: "Resident memory size in bytes.",
                value: residentBytes),
            CollectedFamily(
                name: "process_virtual_memory_bytes", kind: .gauge, help: "Virtual memory size in bytes.",
                value: virtualBytes),
            CollectedFamily(
                name: "process_start_time_seconds", kind: .gauge,
                help: "Start time of the process since unix epoch in seconds.", value: startTimeSeconds),
        ]
        if let openFileDescriptors {
            families.append(
                CollectedFamily(
                    name: "process_open_fds", kind: .gauge, help: "Number of open file descriptors.",
                    value: openFileDescriptors))
        }
        if let maxFileDescriptors {
            families.append(
                CollectedFamily(
                    name: "process_max_fds", kind: .gauge, help: "Maximum number of open file descriptors.",
                    value: maxFileDescriptors))
        }
        return families
    }
}
