import Election
import Testing

@Test func zzDiag() {
    var times: [UInt64] = []
    for seed in UInt64(1)...50 {
        let sim = Simulator(nodes: 5, seed: seed, delay: 1 * ms...5 * ms)
        sim.run(until: 1_000 * ms + (seed * 3 % 50) * ms)
        let crashedAt = sim.now
        sim.crash(5)
        sim.run(for: 1_000 * ms)
        times.append(sim.timeAllLiveNodesLearned(4, after: crashedAt)! - crashedAt)
    }
    times.sort()
    print("DIAG failover ms min \(Double(times[0]) / 1e6) median \(Double(times[25]) / 1e6) max \(Double(times[49]) / 1e6)")
    var selfFollow = 0, events = 0, elections = 0, leaderFlips = 0
    for seed in UInt64(1_000)..<1_200 {
        var rng = SplitMix64(seed: seed ^ 0xFA17)
        let nodes = Int(rng.next(in: 3...6))
        let sim = Simulator(nodes: nodes, seed: seed)
        while sim.now < 3_000 * ms {
            sim.run(for: rng.next(in: 10 * ms...300 * ms))
            let node = Int(rng.next(in: 1...UInt64(nodes)))
            switch rng.next(in: 0...9) {
            case 0, 1: if sim.liveIDs.count > 1 { sim.crash(node) }
            case 2, 3: if !sim.isUp(node) { sim.restart(node) }
            case 4: sim.pause(node, for: rng.next(in: 10 * ms...600 * ms))
            case 5:
                let cut = Int(rng.next(in: 1...UInt64(nodes - 1)))
                sim.partition([Array(1...cut), Array(cut + 1...nodes)])
            case 6: sim.heal()
            case 7: sim.dropProbability = Double(rng.next(in: 0...30)) / 100
            default: break
            }
        }
        sim.settleAndCheck()
        events += sim.delivered
        elections += sim.electionStarts.count
        leaderFlips += sim.leadership.count
        for c in sim.leaderChanges where c.epoch.leader == c.node {
            if !sim.leadership.contains(where: { $0.node == c.node && $0.time == c.time && $0.isLeader }) { selfFollow += 1 }
        }
    }
    print("DIAG random: delivered \(events) elections \(elections) leadership changes \(leaderFlips) selfFollow \(selfFollow)")
}
