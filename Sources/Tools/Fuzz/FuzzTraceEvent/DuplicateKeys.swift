/// Whether a JSON text (already known to be valid) may have an object with two equal keys. The fast decoder
/// documents that it differs from the reference there (it keeps the last value, the reference another), so the
/// differential check skips such lines. Keys with escapes count as possible duplicates (no unescaping here).
enum DuplicateKeys {
    static func possible(in bytes: some Collection<UInt8>) -> Bool {
        var stack: [Set<[UInt8]>?] = []  // per open container: the keys seen (nil for arrays)
        var index = bytes.startIndex
        var lastString: [UInt8]?
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"): stack.append([])
            case UInt8(ascii: "["): stack.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: "\""):
                var text: [UInt8] = []
                index = bytes.index(after: index)
                while index != bytes.endIndex, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") {
                        text.append(bytes[index])
                        index = bytes.index(after: index)
                        if index == bytes.endIndex { break }
                    }
                    text.append(bytes[index])
                    index = bytes.index(after: index)
                }
                lastString = text
            case UInt8(ascii: ":"):
                if let key = lastString, let top = stack.last, var keys = top {
                    if key.contains(UInt8(ascii: "\\")) || keys.contains(key) { return true }
                    keys.insert(key)
                    stack[stack.count - 1] = keys
                }
            default: break
            }
            if index != bytes.endIndex { index = bytes.index(after: index) }
        }
        return false
    }
}
