import ArgumentParser
import Cluster
import Foundation
import Logging
import RPC
import TraceFormat

/// `bookstore load` against a cluster that is not there: a clear error on stderr and exit status 1, instead of a
/// report of "orders/s" made of connection failures.
enum LoadReachability {
    /// Exits 1 with an error on stderr unless the orchestrator at `url` answers `GET /healthz`.
    static func require(url: String) throws {
        let client = RPCClient(
            peer: "orchestrator", baseURL: url, recorder: TraceRecorder(node: "load", writer: nil),
            logger: Logger(label: "load") { _ in SwiftLogNoOpLogHandler() }, defaultDeadline: .seconds(3),
            connectTimeout: .seconds(1), propagatesContext: false)
        do {
            let response = try client.request("GET", "/healthz")
            guard response.status == 200 else {
                CLIOutput.error("error: the orchestrator at \(url) answered /healthz with HTTP \(response.status)")
                throw ExitCode(1)
            }
        } catch let error as RPCCallError {
            CLIOutput.error(
                "error: cannot reach the orchestrator at \(url): \(error)\n"
                    + "Is the cluster running? Start it with `bookstore up` (or pass --url / --config).")
            throw ExitCode(1)
        }
    }

    /// After the load: exit 1 with an error when no order got an answer (the cluster went away mid-run); a
    /// warning on stderr when some did not.
    static func judge(_ report: LoadGenerator.Report, url: String) throws {
        let failed = report.outcomes["transport_error", default: 0]
        guard failed > 0 else { return }
        if failed >= report.orders {
            CLIOutput.error("error: no order reached the orchestrator at \(url) (\(failed) transport failures)")
            throw ExitCode(1)
        }
        CLIOutput.error("warning: \(failed) of \(report.orders) orders never reached the orchestrator at \(url)")
    }
}
