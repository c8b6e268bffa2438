import ClusterProtocol
import Foundation

/// `chaos status --format json`: every executor that answered, as one JSON object (keys sorted).
struct ChaosStatusReport: Encodable {
    struct Executor: Encodable {
        var id: Int
        var node: String
        var pid: Int32
        var role: String
        /// `term.leader`, as the text output and the traces write it; nil before the first election.
        var epoch: String?
        var leader: String?
        var committed: Int
    }

    var executors: [Executor]
    /// The node that claims to lead in the newest epoch, if any.
    var leader: String?

    init(_ statuses: [ExecutorStatus]) {
        executors = statuses.map {
            Executor(
                id: $0.id, node: $0.node, pid: $0.pid, role: $0.role.rawValue, epoch: $0.epoch.map { "\($0)" },
                leader: $0.leader.map { "executor-\($0)" }, committed: $0.committed)
        }
        leader =
            statuses.filter { $0.role == .leader }.max { lhs, rhs in
                switch (lhs.epoch, rhs.epoch) {
                case (let left?, let right?): left < right
                case (nil, _?): true
                default: false
                }
            }?.node
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
