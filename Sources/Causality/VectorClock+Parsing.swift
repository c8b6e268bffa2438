extension VectorClock {
    /// Parses the compact flat-object form that `description` writes (`{"a":1,"b":2}`), as carried in
    /// message headers. Whitespace is allowed; anything else malformed gives nil.
    public init?(jsonText text: String) {
        var bytes = Array(text.utf8)[...]
        func skipSpace() { while let byte = bytes.first, byte == 0x20 || byte == 0x09 { bytes.removeFirst() } }
        func expect(_ byte: UInt8) -> Bool {
            skipSpace()
            guard bytes.first == byte else { return false }
            bytes.removeFirst()
            return true
        }
        guard expect(UInt8(ascii: "{")) else { return nil }
        var entries: [String: UInt64] = [:]
        skipSpace()
        if bytes.first == UInt8(ascii: "}") {
            bytes.removeFirst()
        } else {
            while true {
                guard expect(UInt8(ascii: "\"")) else { return nil }
                var key: [UInt8] = []
                while let byte = bytes.first, byte != UInt8(ascii: "\"") {
                    bytes.removeFirst()
                    if byte == UInt8(ascii: "\\") {
                        guard let escaped = bytes.first, escaped == 0x22 || escaped == 0x5C || escaped == 0x2F else {
                            return nil
                        }
                        bytes.removeFirst()
                        key.append(escaped)
                    } else {
                        key.append(byte)
                    }
                }
                guard expect(UInt8(ascii: "\"")), expect(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                var value: UInt64 = 0
                var digits = 0
                while let byte = bytes.first, byte >= 0x30, byte <= 0x39 {
                    let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = scaled.addingReportingOverflow(UInt64(byte - 0x30))
                    guard !overflow1, !overflow2 else { return nil }
                    value = sum
                    digits += 1
                    bytes.removeFirst()
                }
                guard digits > 0 else { return nil }
                entries[String(decoding: key, as: UTF8.self)] = value
                skipSpace()
                if bytes.first == UInt8(ascii: ",") {
                    bytes.removeFirst()
                    continue
                }
                guard expect(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        skipSpace()
        guard bytes.isEmpty else { return nil }
        self.init(entries)
    }
}
