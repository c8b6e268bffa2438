import ArgumentParser
import ClusterProtocol
import Foundation
import Logging
import RPC
import Services
import TraceFormat

struct AddParams: Codable, Sendable {
    var a: Int
    var b: Int
    var note: String
}

struct Sum: Codable, Sendable {
    var sum: Int
    var note: String
}

/// The benchmark's own method (not one of the cluster's): the RPC layer's cost with the smallest handler.
let addMethod = RPCMethod<AddParams, Sum>("add")

/// `bookstore-bench rpc`: JSON-RPC throughput and latency on loopback, tracing on and off, against a baseline.
struct RPCBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc", abstract: "RPC calls/s and latency on loopback, tracing on/off, vs. a plain baseline.")

    @Option(help: "Measured seconds per scenario.") var seconds: Double = 3
    @Option(help: "Warm-up seconds per scenario.") var warmup: Double = 0.5
    @Option(help: "Server pool workers (with --no-thread-per-connection).") var serverThreads: Int = 2
    @Flag(
        inversion: .prefixedNo,
        help: """
            Serve each connection on a thread of its own, as the cluster's servers do by default \
            (`threadPerConnection`); --no-thread-per-connection: a pool of --server-threads workers.
            """)
    var threadPerConnection = true
    @Option(parsing: .upToNextOption, help: "Client thread counts.") var threads: [Int] = [1, 8]
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Option(help: "Scenarios with tracing: on, off or both.") var tracing: TracingChoice = .both
    @Option(
        help: """
            Instead of timed runs: exactly this many JSON-RPC calls per scenario on one thread, no warm-up, no table \
            (for instruction counts under `valgrind --tool=callgrind`, which are steady on a busy machine).
            """)
    var calls: Int = 0

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let runner = LoadRunner(duration: .milliseconds(Int(seconds * 1000)), warmup: .milliseconds(Int(warmup * 1000)))
        var all: [LoadRunner.Figures] = []
        var traceBytes = 0
        var traceEvents = 0

        for tracing in self.tracing.values {
            let serverRecorder =
                tracing
                ? try TraceRecorder.file(node: "server", directory: directory)
                : TraceRecorder(node: "server", writer: nil)
            let clientRecorder =
                tracing
                ? try TraceRecorder.file(node: "client", directory: directory)
                : TraceRecorder(node: "client", writer: nil)
            var router = Router()
            router.register(addMethod) { params, _ in Sum(sum: params.a + params.b, note: params.note) }
            let pong = Data("pong".utf8)
            router.route("POST", "/ping") { _, _ in HTTPResponse(status: 200, body: pong) }
            let server = RPCServer(
                configuration: .init(port: 0, threads: serverThreads, threadPerConnection: threadPerConnection),
                router: router, recorder: serverRecorder,
                logger: logger)
            try server.start()
            let client = RPCClient(
                peer: "server", baseURL: "http://127.0.0.1:\(server.port)", recorder: clientRecorder, logger: logger)

            if calls > 0 {
                countedCalls(client, tracing: tracing)
                server.stop()
                serverRecorder.close()
                clientRecorder.close()
                continue
            }
            for count in threads {
                if !tracing {
                    all.append(
                        runner.run(scenario: "baseline (plain HTTP, no JSON, no tracing)", threads: count) { _ in
                            (try? client.request("POST", "/ping", body: Data("ping".utf8)).status) == 200
                        })
                    report(all.last!)
                }
                all.append(
                    runner.run(scenario: "JSON-RPC, tracing \(tracing ? "on" : "off")", threads: count) { thread in
                        (try? client.call(addMethod, AddParams(a: thread, b: 1, note: "bench")))
                            != nil
                    })
                report(all.last!)
            }
            server.stop()
            serverRecorder.close()
            clientRecorder.close()
            if tracing {
                for statistics in [serverRecorder.statistics, clientRecorder.statistics] {
                    traceBytes += statistics.compressedBytesWritten
                    traceEvents += statistics.eventsWritten
                }
            }
        }
        switch format {
        case .json:
            let data = try JSONEncoder().encode(all)
            print(String(decoding: data, as: UTF8.self))
        case .text:
            printTable(all, traceEvents: traceEvents, traceBytes: traceBytes)
        }
    }

    /// `calls` sequential calls: the cost per call is the profile's total over `calls` (what else runs, the server
    /// threads and the trace writers, is part of every call).
    private func countedCalls(_ client: RPCClient, tracing: Bool) {
        let start = LoadRunner.nanos()
        var failures = 0
        for index in 0..<calls where (try? client.call(addMethod, AddParams(a: index, b: 1, note: "bench"))) == nil {
            failures += 1
        }
        let seconds = Double(LoadRunner.nanos() - start) / 1e9
        print(
            "JSON-RPC, tracing \(tracing ? "on" : "off"): \(calls) calls in \(String(format: "%.3f", seconds)) s, "
                + "\(failures) failed")
    }

    private func report(_ figures: LoadRunner.Figures) {
        FileHandle.standardError.write(
            Data(
                "  measured \(figures.scenario), \(figures.threads) thread(s): \(Int(figures.callsPerSecond)) calls/s\n"
                    .utf8))
    }

    /// How the bench's server serves its connections, for the table's title.
    private var serving: String {
        threadPerConnection ? "a server thread per connection" : "a pool of \(serverThreads) server threads"
    }

    private func printTable(_ all: [LoadRunner.Figures], traceEvents: Int, traceBytes: Int) {
        print(
            "RPC on loopback: \(seconds) s per scenario, \(serving), client and server in one process"
        )
        print(
            pad("scenario", 44) + pad("threads", 8) + pad("calls/s", 10) + pad("vs base", 9) + pad("p50 µs", 9)
                + pad("p99 µs", 9) + pad("max µs", 9) + "errors")
        for figures in all {
            let baseline = all.first { $0.threads == figures.threads && $0.scenario.hasPrefix("baseline") }
            let ratio = baseline.map { figures.callsPerSecond / $0.callsPerSecond } ?? 1
            print(
                pad(figures.scenario, 44) + pad("\(figures.threads)", 8) + pad(String(Int(figures.callsPerSecond)), 10)
                    + pad(String(format: "%.2f", ratio), 9) + pad(String(format: "%.0f", figures.p50Microseconds), 9)
                    + pad(String(format: "%.0f", figures.p99Microseconds), 9)
                    + pad(String(format: "%.0f", figures.maxMicroseconds), 9) + "\(figures.errors)")
        }
        for count in threads {
            let off = all.first { $0.threads == count && $0.scenario == "JSON-RPC, tracing off" }
            let on = all.first { $0.threads == count && $0.scenario == "JSON-RPC, tracing on" }
            if let off, let on {
                let cost = (1 - on.callsPerSecond / off.callsPerSecond) * 100
                print("tracing cost with \(count) thread(s): \(String(format: "%.1f", cost))% of throughput")
            }
        }
        // Issue 15's aim for this layer, judged on this run.
        if let on = all.first(where: { $0.threads == 8 && $0.scenario == "JSON-RPC, tracing on" }) {
            let met = on.callsPerSecond >= 20_000
            print(
                "aim (issue 15): JSON-RPC ≥ 20,000 calls/s with 8 threads, tracing on: \(Int(on.callsPerSecond))/s, "
                    + (met ? "met" : String(format: "not met (%.2f× short)", 20_000 / max(1, on.callsPerSecond))))
        }
        if traceEvents > 0 {
            print(
                "trace output: \(traceEvents) events, \(traceBytes) compressed bytes (\(traceBytes / max(1, traceEvents)) B/event)"
            )
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Which tracing settings `bookstore-bench rpc` measures.
enum TracingChoice: String, ExpressibleByArgument, CaseIterable {
    case on, off, both

    var values: [Bool] {
        switch self {
        case .on: [true]
        case .off: [false]
        case .both: [false, true]
        }
    }
}
