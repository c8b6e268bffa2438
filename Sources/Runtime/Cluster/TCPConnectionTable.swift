import Foundation

/// The kernel's table of IPv4 TCP sockets (`/proc/net/tcp`): how many connections to a port are open.
public enum TCPConnectionTable {
    /// One socket of the table.
    public struct Entry: Sendable, Equatable {
        public var localPort: Int
        public var remotePort: Int
        /// The kernel's state number (1: ESTABLISHED).
        public var state: Int
    }

    /// The entries of a `/proc/net/tcp` text (its header line and malformed lines are skipped). Each line reads
    /// `sl local_address rem_address st …`, addresses as `HEXIP:HEXPORT`, the state in hex.
    public static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4, fields[0].hasSuffix(":"),
                let local = port(of: fields[1]), let remote = port(of: fields[2]),
                let state = Int(fields[3], radix: 16)
            else { return nil }
            return Entry(localPort: local, remotePort: remote, state: state)
        }
    }

    /// Local ports of the ESTABLISHED client sockets connected to `port` (on any address), from the table text.
    public static func clientPorts(connectedTo port: Int, in text: String) -> [Int] {
        parse(text).filter { $0.state == 1 && $0.remotePort == port }.map(\.localPort)
    }

    /// The same from this machine's table now (empty when it cannot be read).
    public static func clientPorts(connectedTo port: Int) -> [Int] {
        guard let text = readProcFile("/proc/net/tcp") else { return [] }
        return clientPorts(connectedTo: port, in: text)
    }

    private static func port(of address: Substring) -> Int? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...], radix: 16)
    }
}
