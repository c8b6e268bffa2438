import CZlib

/// A streaming gzip (RFC 1952) compressor over zlib's deflate.
public final class GzipCompressor {
    // zlib keeps a pointer back to the stream, so the stream must never move: it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8] = Array(repeating: 0, count: 64 * 1024)

    /// - Parameter level: zlib compression level, 1 (fastest) … 9 (smallest).
    public init(level: Int32 = 1) throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 asks for the gzip wrapper instead of the zlib one.
        let status = deflateInit2_(
            stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)
        )
        guard status == Z_OK else {
            stream.deallocate()
            throw GzipError.zlib(status, "deflateInit2")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Starts a new gzip member after `compress(_:finish: true)` ended the previous one.
    public func reset() {
        deflateReset(stream)
    }

    /// Compresses `input` and returns the bytes that are ready.
    /// - Parameter finish: false ends with a sync flush (everything so far is decodable by a reader);
    ///   true ends the gzip member (trailer with CRC and length).
    public func compress(_ input: [UInt8], finish: Bool = false) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(input.count / 2 + 64)
        let flush = finish ? Z_FINISH : Z_SYNC_FLUSH
        input.withUnsafeBufferPointer { inputBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.pointee.avail_in = UInt32(inputBuffer.count)
            output.withUnsafeMutableBufferPointer { outputBuffer in
                while true {
                    stream.pointee.next_out = outputBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(outputBuffer.count)
                    let status = deflate(stream, flush)
                    let produced = outputBuffer.count - Int(stream.pointee.avail_out)
                    result.append(contentsOf: UnsafeBufferPointer(rebasing: outputBuffer[0..<produced]))
                    if finish {
                        if status == Z_STREAM_END { break }
                    } else if stream.pointee.avail_out != 0 {
                        break
                    }
                    if status != Z_OK && status != Z_BUF_ERROR { break }
                }
            }
            stream.pointee.next_in = nil
        }
        return result
    }
}

/// A zlib failure.
public enum GzipError: Error, CustomStringConvertible {
    case zlib(Int32, String)

    public var description: String {
        switch self {
        case .zlib(let status, let call): return "zlib \(call) failed with status \(status)"
        }
    }
}
