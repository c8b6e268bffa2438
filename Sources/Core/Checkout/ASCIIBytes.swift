/// ASCII byte helpers with the meaning the `Character` rules give those bytes.
enum ASCII {
    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    /// `Character.isWhitespace` for an ASCII byte: tab, line feed, vertical tab, form feed, carriage return, space.
    static func isWhitespace(_ byte: UInt8) -> Bool { (0x09...0x0D).contains(byte) || byte == 0x20 }

    /// How many `Character`s ASCII bytes make: one a byte, except "\r\n", one for the pair.
    static func characterCount(_ bytes: [UInt8]) -> Int {
        endOfCharacters(Int.max, in: bytes, counted: true)
    }

    /// The byte offset after the first `limit` `Character`s of ASCII `bytes` (`prefix(limit)` of the string).
    static func endOfCharacters(_ limit: Int, in bytes: [UInt8]) -> Int {
        endOfCharacters(limit, in: bytes, counted: false)
    }

    private static func endOfCharacters(_ limit: Int, in bytes: [UInt8], counted: Bool) -> Int {
        var index = 0
        var characters = 0
        while index < bytes.count && characters < limit {
            let pair = bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A
            index += pair ? 2 : 1
            characters += 1
        }
        return counted ? characters : index
    }

    /// True when `needle` occurs in `haystack` (an empty needle always does, as in `String.contains`).
    static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        guard let first = needle.first else { return true }
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
