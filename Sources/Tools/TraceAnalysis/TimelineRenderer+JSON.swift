import Causality
import TraceFormat

extension TimelineRenderer {
    /// A message of the timeline whose send and receive are both shown.
    public struct Message: Sendable, Equatable {
        public var from: String
        public var to: String
        /// The RPC method, with " reply" for a reply.
        public var label: String
        /// The index of the receiving event in the rendered list.
        public var receiveIndex: Int
    }

    /// The messages among `events` (in causal merge order) whose send and receive are both there.
    public func messages(_ events: [RunEvent]) -> [Message] {
        var result: [Message] = []
        var index = 0
        for row in withArrows(events) {
            switch row {
            case .arrow(let from, let to, let label):
                result.append(Message(from: from, to: to, label: label, receiveIndex: index))
            case .event: index += 1
            case .elided: break
            }
        }
        return result
    }

    /// `trace-analyzer timeline --format json`: the selected events as recorded (each its v1 trace line, its
    /// line number in the node's file and its offset from `start`, the run's start) and the messages between them.
    public func json(_ events: [RunEvent], title: String, start: Int64?) -> String {
        let origin = start ?? events.map(\.event.wallTimeNanos).min() ?? 0
        var text = "{\"title\":\"\(JSONText.escaped(title))\",\"startNanos\":\(origin),\"events\":["
        for (position, event) in events.enumerated() {
            var line = TraceEventEncoder.line(event.event)
            if line.last == 0x0A { line.removeLast() }
            text += position == 0 ? "\n" : ",\n"
            text += "{\"line\":\(event.line),\"offsetNanos\":\(event.event.wallTimeNanos &- origin),\"event\":"
            text += String(decoding: line, as: UTF8.self) + "}"
        }
        text += "\n],\"messages\":["
        for (position, message) in messages(events).enumerated() {
            text += position == 0 ? "\n" : ",\n"
            text += "{\"from\":\"\(JSONText.escaped(message.from))\",\"to\":\"\(JSONText.escaped(message.to))\","
            text += "\"label\":\"\(JSONText.escaped(message.label))\",\"receiveIndex\":\(message.receiveIndex)}"
        }
        return text + "\n]}\n"
    }
}
