import Causality
import Foundation
import Testing
import TraceFormat
import TraceTestSupport

@testable import TraceAnalysis

/// The hand-over of events from the reader threads to the merge: batches with their merge keys beside the events,
/// a channel that signals only a waiting side, and events that hold their message keys in themselves.
@Suite struct EventHandOverTests {
    @Test("the merge delivers every event of a run of many batches per file in (clock sum, node, line) order")
    func mergeOrdersEventsAcrossBatches() throws {
        let directory = NSTemporaryDirectory() + "hand-over-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try SyntheticRun.write(events: 4_000, to: directory)
        let loader = try RunLoader(directory: directory)
        var delivered: [RunEvent] = []
        let health = loader.stream(compact: true) {
            delivered.append($0)
            return true
        }
        #expect(delivered.count == written)
        #expect(health.reduce(0) { $0 + $1.events } == written)
        // Several batches of one file were merged (the keys of a later batch were read beside its events).
        #expect(health.contains { $0.events > 2 * EventChannel.batchSize })
        for (earlier, later) in zip(delivered, delivered.dropFirst()) {
            #expect(!KWayMerger.precedes(later, earlier), "\(later.envelope.node)#\(later.envelope.sequence)")
        }
    }

    @Test(
        "events the checks keep read their own lines after the readers reused their members, also when stopped early",
        arguments: [nil, 5_000])
    func keptEventsKeepTheirLines(stopAfter: Int?) throws {
        let directory = NSTemporaryDirectory() + "kept-lines-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SyntheticRun.write(events: 30_000, to: directory)
        let loader = try RunLoader(directory: directory)
        var kept: [(event: RunEvent, decoded: TraceEvent, span: String?)] = []
        var delivered = 0
        loader.stream(compact: true) { event in
            delivered += 1
            if delivered % 50 == 0 { kept.append((event, event.event, event.spanID)) }
            return stopAfter.map { delivered < $0 } ?? true
        }
        #expect(kept.count >= (stopAfter ?? 30_000) / 50 - 1)
        for entry in kept {
            #expect(entry.event.event == entry.decoded)
            #expect(entry.event.spanID == entry.span)
        }
        // Kept past their batch (every batch of a whole pass is handed back), they were detached from the members
        // the readers went on to reuse: each holds storage of its own (events of one member would share it).
        if stopAfter == nil {
            let holders = Set(kept.compactMap { $0.event.header.lineMember.map(ObjectIdentifier.init) })
            #expect(holders.count == kept.count)
        }
    }

    @Test("an event batch's keys are its events' clock sums, nodes and lines, in order")
    func batchKeysFollowTheirEvents() {
        let scenario = ScenarioBuilder.cleanFailover()
        let events = CausalMerge.merge(scenario.events)
        var batch = EventBatch()
        for event in events { batch.append(event) }
        let copy = EventBatch(events)
        #expect(batch.count == events.count && copy.count == events.count)
        for (position, event) in events.enumerated() {
            for key in [batch.keys[position], copy.keys[position]] {
                #expect(key.sum == event.clockSum && Int(key.node) == event.node && key.line == event.line)
            }
            #expect(batch.events[position] === event)
        }
        batch.removeAll()
        #expect(batch.isEmpty && batch.keys.isEmpty && batch.capacity >= events.count)
    }

    @Test("the channel hands over every batch in order whether the producer or the consumer is the slower")
    func channelHandsOverEveryBatchInOrder() {
        let index = NodeIndex(["load"])
        for producerSleeps in [true, false] {
            let channel = EventChannel()
            let batches = 40
            let producer = Thread {
                for number in 0..<batches {
                    let event = TraceEvent(
                        wallTimeNanos: 0, node: "load", pid: 1, sequence: UInt64(number + 1), kind: .log, spanID: nil,
                        clock: VectorClock(["load": UInt64(number + 1)]))
                    var batch = EventBatch()
                    batch.append(RunEvent.make(event, line: number + 1, index: index))
                    if producerSleeps { usleep(200) }
                    guard channel.put(batch) else { break }
                }
                channel.close()
            }
            producer.start()
            var lines: [Int] = []
            var spent = EventBatch()
            while let batch = channel.take(returning: spent) {
                if !producerSleeps { usleep(200) }
                lines.append(contentsOf: batch.keys.map(\.line))
                spent = batch
            }
            channel.waitClosed()
            #expect(lines == Array(1...batches), "producer sleeps: \(producerSleeps)")
        }
    }

    @Test("an event built without its payloads decodes its message keys once, when asked, and keeps them")
    func messageKeysOfAnEventBuiltInMemory() throws {
        let scenario = ScenarioBuilder.cleanFailover()
        let send = try #require(scenario.events.first { $0.kind == .rpcSend })
        let rpc = try #require(RPCEvent.decoded(send))
        let index = NodeIndex(scenario.events.map(\.node))
        let event = RunEvent.make(send, line: 1, index: index)
        #expect(event.header.keyState == .unknown)
        let state = RunState(traced: Set(index.names), index: index)
        let keys = try #require(state.rpcMessage(event))
        #expect(keys.msg == rpc.msg && keys.peer == rpc.peer && !keys.unavailable)
        #expect(keys.msgHash == IDHash.of(rpc.msg!) && keys.peerHash == IDHash.of(rpc.peer!))
        #expect(event.header.keyState == .present)
        // Another pass reads the kept keys: the same values.
        let again = try #require(RunState(traced: Set(index.names), index: index).rpcMessage(event))
        #expect(again.msg == keys.msg && again.msgHash == keys.msgHash && again.peerHash == keys.peerHash)
        let other = RunEvent.make(
            try #require(scenario.events.first { !$0.kind.rawValue.hasPrefix("rpc.") }), index: index)
        #expect(state.rpcMessage(other) == nil && other.header.keyState == .absent)
    }
}
