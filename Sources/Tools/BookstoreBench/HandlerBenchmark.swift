import ArgumentParser
import Catalog
import Checkout
import Foundation
import FraudModel
import RPC
import Services
import WireJSON

/// `bookstore-bench handlers`: each checkout-path handler in process (no network), with Foundation's JSON coders
/// and with the byte-level codecs (`WireCodable`), measured one after the other in the same run.
struct HandlerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handlers",
        abstract: "Per-handler calls/s and ns per call, Foundation JSON vs. the byte-level codecs, in one run.")

    @Option(help: "Measured seconds per handler and codec.") var seconds: Double = 1
    @Option(help: "The fraud model (XGBoost JSON).") var model: String = "models/fraud-model.json"
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    /// One handler measured with both codecs.
    struct Row: Codable {
        var handler: String
        var foundationCallsPerSecond: Double
        var foundationNanosPerCall: Double
        var wireCallsPerSecond: Double
        var wireNanosPerCall: Double
        /// Foundation's time per call over the fast codec's.
        var speedup: Double
    }

    func run() throws {
        let cases = try HandlerCases(model: FraudModel.load(modelPath: model))
        var rows: [Row] = []
        for handler in cases.all {
            guard handler.foundation() == handler.wire() else {
                throw ValidationError("\(handler.name): the two codecs disagree")
            }
            let foundation = Self.measure(handler.foundation, seconds: seconds)
            let wire = Self.measure(handler.wire, seconds: seconds)
            rows.append(
                Row(
                    handler: handler.name, foundationCallsPerSecond: 1e9 / foundation,
                    foundationNanosPerCall: foundation,
                    wireCallsPerSecond: 1e9 / wire, wireNanosPerCall: wire, speedup: foundation / wire))
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .text:
            print("handler                         Foundation calls/s   ns/call    wire calls/s   ns/call   speed-up")
            for row in rows {
                let name = row.handler.padding(toLength: 30, withPad: " ", startingAt: 0)
                print(
                    "\(name) \(Self.fixed(row.foundationCallsPerSecond, 19))"
                        + " \(Self.fixed(row.foundationNanosPerCall, 9))"
                        + " \(Self.fixed(row.wireCallsPerSecond, 15)) \(Self.fixed(row.wireNanosPerCall, 9))"
                        + String(format: "   %.2f×", row.speedup))
            }
        }
    }

    private static func fixed(_ value: Double, _ width: Int) -> String {
        let text = String(format: "%.0f", value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// Nanoseconds per call of `body`, over about `seconds` after a tenth of that as warm-up.
    static func measure(_ body: () -> Int, seconds: Double) -> Double {
        let clock = ContinuousClock()
        var sink = 0
        let warmupEnd = clock.now.advanced(by: .seconds(seconds / 10))
        while clock.now < warmupEnd { sink &+= body() }
        var calls = 0
        let start = clock.now
        let end = start.advanced(by: .seconds(seconds))
        var now = start
        while now < end {
            for _ in 0..<32 { sink &+= body() }
            calls += 32
            now = clock.now
        }
        if sink == 42 { print("", terminator: "") }  // keeps the work observable
        let elapsed = start.duration(to: now)
        let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return nanos / Double(max(calls, 1))
    }
}
