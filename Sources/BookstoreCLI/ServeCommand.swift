import ArgumentParser
import Foundation
import RPC
import Services

extension ServiceRole: ExpressibleByArgument {}
extension TraceLogHandler.Format: ExpressibleByArgument {}

/// `bookstore serve ROLE`: runs one service until SIGINT/SIGTERM.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run one service of the cluster until SIGINT or SIGTERM.")

    @Argument(help: "The service: \(ServiceRole.allCases.map(\.rawValue).joined(separator: "|")).")
    var role: ServiceRole

    @Option(help: "Listen on HOST:PORT (default: the service's address in the config).")
    var listen: String?

    @Option(help: "Cluster config file (JSON); defaults are used for what it leaves out.")
    var config: String?

    @Option(help: "Run directory for this node's trace file (default: <tracesRoot>/manual).")
    var traces: String?

    @Option(help: "Log format on stderr: text or json.")
    var logFormat: TraceLogHandler.Format = .text

    func run() throws {
        TerminationSignals.block()
        let cluster = try config.map(ClusterConfig.load(path:)) ?? ClusterConfig()
        let address = try listen.map { text in
            guard let address = ListenAddress(text) else { throw ValidationError("--listen wants HOST:PORT, got \(text)") }
            return address
        }
        let endpoint = cluster.endpoint(of: role)
        let directory = traces ?? "\(cluster.tracesRoot)/manual"
        let host = try ServiceHost(node: endpoint.id, tracesDirectory: directory, logFormat: logFormat)
        let server: RPCServer
        do {
            server = try ServiceFactory.start(role, config: cluster, host: host, address: address)
        } catch {
            host.logger.critical("cannot start \(role.rawValue): \(error)")
            host.shutdown()
            throw ExitCode(1)
        }
        let signal = TerminationSignals.wait()
        host.logger.info("stopping on signal \(signal)")
        server.stop()
        host.shutdown()
    }
}
