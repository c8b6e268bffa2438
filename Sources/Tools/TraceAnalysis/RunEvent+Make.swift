import Causality
import TraceFormat

extension RunEvent {
    /// The event `event` (decoded whole, built in memory) at 1-based line `line` of its node's file; its payloads are
    /// decoded when read.
    public static func make(_ event: TraceEvent, line: Int = 0, index: NodeIndex) -> RunEvent {
        var memo = ClockPositions()
        return make(event, line: line, index: index, memo: &memo, decodingPayloads: false)
    }

    /// With `decodingPayloads`, decodes the event's payloads now (on the calling thread) for the checks. `memo`
    /// carries key positions from one event of a file to the next (`NodeIndex.dense`). `rawData`: the `data` of an
    /// RPC event as the reader kept it (`event.data` is then empty).
    /// `denseClock`: the clock as the reader decoded it by `index`'s numbers (then `event.clock` is empty unless
    /// `denseClock.external`); nil: decoded here from `event.clock`.
    static func make(
        _ event: TraceEvent, line: Int, index: NodeIndex, memo: inout ClockPositions, decodingPayloads: Bool,
        rawData: RPCDataFields? = nil, denseClock: DenseClock? = nil
    ) -> RunEvent {
        let counters: [UInt64]
        let external: Bool
        let sum: UInt64
        if let denseClock {
            (counters, external, sum) = (denseClock.values, denseClock.external, denseClock.sum)
        } else {
            (counters, external, sum) = index.dense(event.clock, memo: &memo)
        }
        var payloads: EventPayloads?
        if decodingPayloads {
            if let rawData, let rpc = RPCEvent(kind: event.kind, fields: rawData) {
                payloads = EventPayloads(rpc: rpc)
            } else if let rawData {
                // The payloads read `data` only: the decoded event holds it unless it was kept raw.
                var whole = event
                whole.data = RPCDataFields.object(rawData.raw) ?? [:]
                payloads = EventPayloads(whole)
            } else {
                payloads = EventPayloads(event)
            }
        }
        let keys = payloads?.message
        let span = event.spanID.map { EventID(hash: IDHash.of($0)) } ?? .absent
        let (kindCode, kindName) = KindCode.recognise(event.kind)
        let node = index.position(event.node) ?? -1
        // The fields are built in the closure, straight into the event's header (a `RunEventFields` built before
        // was copied into it and destroyed: a retain and a release of each of its references).
        return counters.withUnsafeBufferPointer { values in
            make(counters: values, line: UnsafeBufferPointer(start: nil, count: 0)) {
                RunEventFields(
                    clockSum: sum, sequence: event.sequence, line: line, counters: values.count, pid: event.pid,
                    node: Int32(node), kindCode: kindCode,
                    kindName: kindName.map { UInt8($0) } ?? RunEventFields.kindInRare, external: external,
                    compactRPC: false, keyState: payloads == nil ? .unknown : keys == nil ? .absent : .present,
                    keys: keys ?? MessageKeyFields(), span: span, nodeName: event.node,
                    wallTimeNanos: event.wallTimeNanos, index: index, lineBytes: 0, lineStart: nil, lineMember: nil,
                    payloads: payloads, rare: RareEventFields(whole: event, rawData: rawData?.raw))
            }
        }
    }

    /// An event the reader decoded compactly, with its payloads, recorded by node number `node` (the file's node);
    /// `bytes` is its line. Nil when an RPC event's `data` fields are out of the RPC payloads' bounds (then decode
    /// the line whole, which names the error), or when `node` is no number of `index`. With `member` (the storage
    /// that holds `bytes`), the event retains it instead of copying the line. Inlined into the reader's
    /// loop (the one caller on the hot path): out of line, it cost the readers 0.3 % more instructions.
    @inline(__always)
    static func make(
        compact: CompactEvent, line: Int, bytes: UnsafeBufferPointer<UInt8>, member: InflatedMember?, node: Int,
        index: NodeIndex
    ) -> RunEvent? {
        guard node >= 0, node < index.names.count else { return nil }
        let kindCode: KindCode
        let kindName: Int?
        let keys: MessageKeyFields
        let payloads: EventPayloads?
        var span = EventID.absent
        if let at = compact.span {
            guard let id = EventID(at, in: bytes) else { return nil }
            span = id
        }
        if compact.isRPC {
            guard
                let rpcKeys = MessageKeyFields.of(
                    kindNumber: compact.kindNumber, fields: compact.fields, line: bytes, index: index)
            else { return nil }
            (keys, payloads) = (rpcKeys, nil)
            // The RPC kinds come first in `KindCode` and in `KindCode.names`, in `CompactEvent.kinds`' order.
            (kindCode, kindName) = (KindCode(rawValue: UInt8(compact.kindNumber))!, compact.kindNumber)
        } else {
            keys = MessageKeyFields()
            payloads = EventPayloads(
                notRPC: compact.kind, fields: PayloadFields(list: compact.dataFields, kind: compact.kind))
            (kindCode, kindName) = KindCode.recognise(compact.kind)
        }
        // Most events need no `rare` fields: a clock within the index, a kind the names hold.
        let rare =
            compact.dense.external || kindName == nil
            ? RareEventFields(clock: compact.clock, kind: kindName == nil ? compact.kind : nil) : nil
        return compact.dense.values.withUnsafeBufferPointer { values in
            make(counters: values, line: member == nil ? bytes : UnsafeBufferPointer(start: nil, count: 0)) {
                RunEventFields(
                    clockSum: compact.dense.sum, sequence: compact.sequence, line: line, counters: values.count,
                    pid: compact.pid, node: Int32(node), kindCode: kindCode,
                    kindName: kindName.map { UInt8($0) } ?? RunEventFields.kindInRare, external: compact.dense.external,
                    compactRPC: compact.isRPC, keyState: compact.isRPC ? .present : .absent, keys: keys, span: span,
                    nodeName: index.names[node], wallTimeNanos: compact.wallTimeNanos, index: index,
                    lineBytes: bytes.count, lineStart: member == nil ? nil : bytes.baseAddress, lineMember: member,
                    payloads: payloads, rare: rare)
            }
        }
    }

    /// The event whose header `fields` makes, and whose elements are `counters` then the bytes of `line` (`fields`
    /// must count them).
    private static func make(
        counters: UnsafeBufferPointer<UInt64>, line: UnsafeBufferPointer<UInt8>, fields: () -> RunEventFields
    ) -> RunEvent {
        let words = counters.count + (line.count + 7) / 8
        let event = unsafeDowncast(create(minimumCapacity: words) { _ in fields() }, to: RunEvent.self)
        event.withUnsafeMutablePointerToElements { elements in
            if let base = counters.baseAddress { elements.update(from: base, count: counters.count) }
            if let base = line.baseAddress {
                // Bound to UInt8 as it is initialized, so `withLine` may read these words as bytes.
                _ = UnsafeMutableRawPointer(elements + counters.count).initializeMemory(
                    as: UInt8.self, from: base, count: line.count)
            }
        }
        return event
    }
}
