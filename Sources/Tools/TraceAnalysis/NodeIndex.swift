import Causality

/// The nodes of a run, numbered in name order, so clocks can be compared as arrays instead of dictionaries.
public final class NodeIndex: Sendable {
    public let names: [String]
    /// Node name → number.
    let positions: [String: Int]
    /// The names' hashes and packed forms, to number a peer from its bytes (`MessageKeyFields.of`).
    let nameKeys: NodeNameKeys

    public init(_ names: some Sequence<String>) {
        self.names = Set(names).sorted()
        positions = Dictionary(uniqueKeysWithValues: self.names.enumerated().map { ($1, $0) })
        nameKeys = NodeNameKeys(self.names)
    }

    public func position(_ node: String) -> Int? { positions[node] }

    /// The clock as an array by node number, whether it also names nodes outside the index, and the sum of its
    /// entries (wrapping). `memo` remembers the node numbers of the last clock's keys in their storage order:
    /// consecutive clocks of one file share their keys, so most keys are found without hashing.
    func dense(
        _ clock: VectorClock, memo: inout ClockPositions
    ) -> (values: [UInt64], external: Bool, sum: UInt64) {
        var values = [UInt64](repeating: 0, count: names.count)
        var external = false
        var sum: UInt64 = 0
        var slot = 0
        for (node, counter) in clock.sortedEntries {
            sum &+= counter
            let position: Int
            if slot < memo.names.count && memo.names[slot] == node {
                position = memo.positions[slot]
            } else {
                position = positions[node] ?? -1
                if slot < memo.names.count {
                    memo.names[slot] = node
                    memo.positions[slot] = position
                } else {
                    memo.names.append(node)
                    memo.positions.append(position)
                }
            }
            if position >= 0 { values[position] = counter } else { external = true }
            slot += 1
        }
        return (values, external, sum)
    }
}

/// Node numbers of the keys of the last clock `NodeIndex.dense` saw, in its storage order (-1: not in the index).
struct ClockPositions {
    var names: [String] = []
    var positions: [Int] = []
}
