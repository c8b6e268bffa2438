import Causality
import Foundation

/// Checks a ShiViz log the way ShiViz reads it. Returns one message per problem (empty when valid).
enum ShiVizValidator {
    struct Entry {
        var host: String
        var clock: VectorClock
        var description: String

        /// `key=value` of the description (values without spaces only).
        func field(_ key: String) -> String? {
            description.split(separator: " ").first { $0.hasPrefix(key + "=") }
                .map { String($0.dropFirst(key.count + 1)) }
        }

        var kind: String { String(description.prefix { $0 != " " }) }
    }

    /// The parsed entries, or the problems that prevent parsing.
    static func parse(_ text: String) -> (entries: [Entry], problems: [String]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, lines.last == "" else { return ([], ["too short or no final newline"]) }
        guard let regex = try? NSRegularExpression(pattern: lines[0]) else {
            return ([], ["line 1 is not a regular expression NSRegularExpression compiles"])
        }
        guard lines[1].isEmpty else { return ([], ["line 2 (the executions delimiter) should be empty"]) }
        let body = Array(lines[2..<(lines.count - 1)])
        guard body.count % 2 == 0 else { return ([], ["odd number of log lines"]) }
        var entries: [Entry] = []
        var problems: [String] = []
        for index in stride(from: 0, to: body.count, by: 2) {
            let pair = body[index] + "\n" + body[index + 1]
            let whole = NSRange(pair.startIndex..., in: pair)
            guard let match = regex.firstMatch(in: pair, range: whole), match.range == whole,
                let host = Range(match.range(withName: "host"), in: pair),
                let clock = Range(match.range(withName: "clock"), in: pair),
                let event = Range(match.range(withName: "event"), in: pair)
            else {
                problems.append("log line \(index + 3): the regex does not match this entry")
                continue
            }
            guard let parsed = VectorClock(jsonText: String(pair[clock])) else {
                problems.append("log line \(index + 3): clock is not a JSON object of counters")
                continue
            }
            entries.append(Entry(host: String(pair[host]), clock: parsed, description: String(pair[event])))
        }
        return (entries, problems)
    }

    static func problems(_ text: String) -> [String] {
        let (entries, parseProblems) = parse(text)
        var problems = parseProblems
        let hosts = Set(entries.map(\.host))
        var counts: [String: UInt64] = [:]
        var sends: [String: VectorClock] = [:]
        for (index, entry) in entries.enumerated() {
            let at = "entry \(index + 1) (\(entry.host))"
            counts[entry.host, default: 0] += 1
            if entry.clock[entry.host] != counts[entry.host]! {
                problems.append("\(at): own entry \(entry.clock[entry.host]), expected \(counts[entry.host]!)")
            }
            if let stranger = Set(entry.clock.entries.keys).subtracting(hosts).first {
                problems.append("\(at): clock names \(stranger), which has no events in the log")
            }
            for (other, counter) in entry.clock.entries
            where other != entry.host && counter > counts[other, default: 0] {
                problems.append("\(at): knows \(other):\(counter) before that event was logged")
            }
            guard let msg = entry.field("msg"), let peer = entry.field("peer") else { continue }
            switch entry.kind {
            case "rpc.send": sends["req \(msg) \(entry.host) \(peer)"] = entry.clock
            case "rpc.reply.send": sends["rep \(msg) \(entry.host) \(peer)"] = entry.clock
            case "rpc.receive", "rpc.reply.receive":
                let key = (entry.kind == "rpc.receive" ? "req" : "rep") + " \(msg) \(peer) \(entry.host)"
                if let send = sends[key], !(send.isDominated(by: entry.clock) && send != entry.clock) {
                    problems.append("\(at): receive does not dominate its send \(key)")
                }
            default: break
            }
        }
        return problems
    }
}
