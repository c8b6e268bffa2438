import CCurl
import Foundation

/// Request header lines for libcurl in buffers reused from request to request: `name: value` and a NUL each, and
/// a `curl_slist` node per line pointing into them (libcurl only reads the list it is given; it neither copies
/// nor frees it).
struct HeaderLines {
    private var bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)
    private var byteCapacity = 1024
    private var used = 0
    private var starts: [Int] = []
    private var nodes = UnsafeMutablePointer<curl_slist>.allocate(capacity: 16)
    private var nodeCapacity = 16

    mutating func reset() {
        used = 0
        starts.removeAll(keepingCapacity: true)
    }

    mutating func append(name: String, value: String) {
        starts.append(used)
        write(name)
        write(": ")
        write(value)
        terminate()
    }

    mutating func append(name: String, value: [UInt8]) {
        starts.append(used)
        write(name)
        write(": ")
        value.withUnsafeBufferPointer { write($0) }
        terminate()
    }

    mutating func append(line: StaticString) {
        starts.append(used)
        line.withUTF8Buffer { write($0) }
        terminate()
    }

    private mutating func terminate() {
        reserve(1)
        bytes[used] = 0
        used += 1
    }

    private mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    private mutating func write(_ source: UnsafeBufferPointer<UInt8>) {
        reserve(source.count)
        if let base = source.baseAddress { (bytes + used).update(from: base, count: source.count) }
        used += source.count
    }

    private mutating func reserve(_ count: Int) {
        if used + count > byteCapacity {
            var capacity = byteCapacity * 2
            while capacity < used + count { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: bytes, count: used)
            bytes.deallocate()
            bytes = grown
            byteCapacity = capacity
        }
    }

    /// The list of the lines appended since `reset` (valid until the next `reset`, `append` or `deallocate`).
    mutating func list() -> UnsafeMutablePointer<curl_slist>? {
        guard !starts.isEmpty else { return nil }
        if starts.count > nodeCapacity {
            nodes.deallocate()
            nodeCapacity = max(starts.count, nodeCapacity * 2)
            nodes = UnsafeMutablePointer<curl_slist>.allocate(capacity: nodeCapacity)
        }
        let base = UnsafeMutableRawPointer(bytes).assumingMemoryBound(to: CChar.self)
        for (index, start) in starts.enumerated() {
            let next = index + 1 < starts.count ? nodes + index + 1 : nil
            (nodes + index).initialize(to: curl_slist(data: base + start, next: next))
        }
        return nodes
    }

    func deallocate() {
        bytes.deallocate()
        nodes.deallocate()
    }
}

/// The bytes of a request body while libcurl sends them: one buffer reused from request to request (a body over
/// `keptBytes` is not kept after its request).
struct BodyBuffer {
    private static let keptBytes = 64 * 1024
    private var bytes = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 1)
    private var capacity = 4096

    /// Copies `body` into the buffer; returns where it is (valid until `release` or the next `store`).
    mutating func store(_ body: Data) -> UnsafeRawPointer {
        if body.count > capacity {
            bytes.deallocate()
            capacity = body.count
            bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        }
        body.withUnsafeBytes { source in
            if let base = source.baseAddress { bytes.copyMemory(from: base, byteCount: source.count) }
        }
        return UnsafeRawPointer(bytes)
    }

    /// The transfer is over: a large buffer goes back to the default size.
    mutating func release() {
        guard capacity > Self.keptBytes else { return }
        bytes.deallocate()
        capacity = 4096
        bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
    }

    func deallocate() {
        bytes.deallocate()
    }
}
