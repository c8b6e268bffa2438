import Foundation

/// The processes of one run, found by their pid files (`<run>/<node>.pid`) and proven to belong to the run:
/// the pid file names the pid, and `/proc/PID/cmdline` is `bookstore serve <service>` whose `--traces` is
/// the run directory (and whose `--id` is the executor's). Chaos and the supervisor's stop signal nothing else.
public struct RunProcesses: Sendable {
    /// The run directory, with symbolic links resolved (`latest`).
    public let directory: String

    public init(directory: String) {
        self.directory = Self.resolve(directory)
    }

    /// Why a pid is not proven to belong to the run.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// The pid in `<run>/<node>.pid`, if the file holds one.
    public func pidFile(node: String) -> Int32? {
        let path = (directory as NSString).appendingPathComponent("\(node).pid")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.utf8.count < 32,
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return nil }
        return pid
    }

    /// Checks that `pid` is `node`'s live process of this run; throws the reason when it is not.
    public func verify(node: String, pid: Int32) throws(Refusal) {
        guard pid > 1 else { throw Refusal(description: "pid \(pid) is not a service's") }
        guard let recorded = pidFile(node: node) else {
            throw Refusal(description: "no pid file \(directory)/\(node).pid")
        }
        guard recorded == pid else {
            throw Refusal(description: "\(node).pid names pid \(recorded), not \(pid)")
        }
        guard let arguments = Self.commandLine(pid: pid) else {
            throw Refusal(description: "pid \(pid) is not running (no /proc/\(pid)/cmdline)")
        }
        let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
        guard Self.isServe(arguments, node: node, run: directory, cwd: cwd) else {
            throw Refusal(
                description: "pid \(pid) is not `bookstore serve` of \(node) in this run: "
                    + arguments.joined(separator: " "))
        }
    }

    /// `node`'s pid when its pid file names a live process proven to belong to the run.
    public func livePID(node: String) -> Int32? {
        guard let pid = pidFile(node: node), (try? verify(node: node, pid: pid)) != nil else { return nil }
        return pid
    }

    /// Every node with a pid file whose process is proven to belong to the run.
    public func live() -> [(node: String, pid: Int32)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".pid") }.sorted().compactMap { name in
            let node = String(name.dropLast(4))
            return livePID(node: node).map { (node, $0) }
        }
    }

    /// Remembers how `node` was started (`<run>/<node>.args.json`), so that `chaos restart` starts it the same way
    /// (same data directory and config).
    public func recordArguments(_ arguments: [String], node: String) {
        guard let data = try? JSONEncoder().encode(arguments) else { return }
        try? data.write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("\(node).args.json")))
    }

    /// The arguments `node` was last started with by the supervisor, when they are a `serve` of that node into
    /// this run (nil otherwise).
    public func recordedArguments(node: String) -> [String]? {
        let path = (directory as NSString).appendingPathComponent("\(node).args.json")
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64 * 1024), data.count < 64 * 1024,
            let arguments = try? JSONDecoder().decode([String].self, from: data), arguments.count <= 64,
            Self.isServe(["bookstore"] + arguments, node: node, run: directory, cwd: nil)
        else { return nil }
        return arguments
    }

    /// The arguments of a process from `/proc/PID/cmdline` (nil when it does not exist).
    public static func commandLine(pid: Int32) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else {
            return nil
        }
        return data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// True when `arguments` are `bookstore serve <service of node> … --traces <run>`.
    static func isServe(_ arguments: [String], node: String, run: String, cwd: String?) -> Bool {
        guard arguments.count >= 3, (arguments[0] as NSString).lastPathComponent == "bookstore",
            arguments[1] == "serve"
        else { return false }
        let option = { (name: String) -> String? in
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        guard let traces = option("--traces"), resolve(traces, from: cwd) == run else { return false }
        if node.hasPrefix("executor-") {
            return arguments[2] == "executor" && option("--id") == String(node.dropFirst("executor-".count))
        }
        return arguments[2] == node
    }

    /// `path` made absolute with symbolic links resolved (relative paths against `base`, default the cwd).
    public static func resolve(_ path: String, from base: String? = nil) -> String {
        let base = base ?? FileManager.default.currentDirectoryPath
        let absolute = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        guard let resolved = realpath(absolute, nil) else { return (absolute as NSString).standardizingPath }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
