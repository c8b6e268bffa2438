import CZlib
import Glibc

/// Where a gzip stream stopped being readable.
public enum GzipDamage: Sendable, Equatable, CustomStringConvertible {
    /// The input ended inside a gzip member (for example a process killed mid-write).
    case truncated(compressedOffset: Int)
    /// The compressed data is invalid from about this offset on.
    case corrupt(compressedOffset: Int, message: String)

    public var description: String {
        switch self {
        case .truncated(let offset): return "truncated at compressed byte \(offset)"
        case .corrupt(let offset, let message): return "corrupt near compressed byte \(offset): \(message)"
        }
    }
}

/// Streams the decompressed content of a gzip file (several concatenated members allowed).
/// Reads up to the first damage and reports it instead of failing.
public final class GzipDecompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8] = Array(repeating: 0, count: 256 * 1024)

    public init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw GzipError.zlib(status, "inflateInit2")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decompresses the file at `path`, handing each decompressed chunk to `consume`.
    /// - Returns: the damage that stopped reading, or nil when the file was whole.
    public func decompressFile(
        at path: String, _ consume: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> GzipDamage? {
        guard let file = fopen(path, "rb") else { throw TraceReadError.cannotOpen(path, errno) }
        defer { fclose(file) }
        var input = [UInt8](repeating: 0, count: 256 * 1024)
        var consumedTotal = 0
        var insideMember = false
        while true {
            let count = input.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 {
                if ferror(file) != 0 { throw TraceReadError.cannotRead(path, errno) }
                return insideMember ? .truncated(compressedOffset: consumedTotal) : nil
            }
            var offset = 0
            while offset < count {
                let result = try input.withUnsafeMutableBufferPointer { inputBuffer in
                    try inflateChunk(inputBuffer.baseAddress! + offset, count - offset, consume)
                }
                offset += result.consumed
                switch result.outcome {
                case .needMoreInput:
                    insideMember = true
                case .memberEnded:
                    insideMember = false
                    inflateReset(stream)
                case .failed(let message):
                    return .corrupt(compressedOffset: consumedTotal + offset, message: message)
                }
            }
            consumedTotal += count
        }
    }

    private enum ChunkOutcome {
        case needMoreInput
        case memberEnded
        case failed(String)
    }

    private func inflateChunk(
        _ input: UnsafeMutablePointer<UInt8>, _ length: Int, _ consume: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> (consumed: Int, outcome: ChunkOutcome) {
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(length)
        defer { stream.pointee.next_in = nil }
        return try output.withUnsafeMutableBufferPointer { outputBuffer in
            while true {
                stream.pointee.next_out = outputBuffer.baseAddress
                stream.pointee.avail_out = UInt32(outputBuffer.count)
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = outputBuffer.count - Int(stream.pointee.avail_out)
                if produced > 0 { try consume(UnsafeBufferPointer(rebasing: outputBuffer[0..<produced])) }
                let consumed = length - Int(stream.pointee.avail_in)
                switch status {
                case Z_STREAM_END:
                    return (consumed, .memberEnded)
                case Z_OK:
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return (consumed, .needMoreInput) }
                case Z_BUF_ERROR:
                    return (consumed, .needMoreInput)
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    return (consumed, .failed(message))
                }
            }
        }
    }
}
