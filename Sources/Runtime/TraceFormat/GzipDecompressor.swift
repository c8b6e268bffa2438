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
    /// - Returns: the first damage that interrupted reading, or nil when the file was whole.
    public func decompressFile(
        at path: String, _ consume: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> GzipDamage? {
        try decompressFile(at: path, onResume: { _ in }, consume).first
    }

    /// Decompresses the file at `path`, handing each decompressed chunk to `consume`.
    ///
    /// After damage it does not give up: it looks for the next gzip member header (`1f 8b 08`) and resumes
    /// there, calling `onResume` with its offset first. That is how a node restarted after `kill -9` appends
    /// a new member behind its predecessor's unfinished one, and how its later events stay readable.
    /// - Returns: every damage met, in file order (empty when the file was whole).
    /// - Parameter startOffset: where to start: 0, or the offset of a member header (a restart's tail read).
    public func decompressFile(
        at path: String, startOffset: Int = 0, onResume: (Int) throws -> Void,
        _ consume: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> [GzipDamage] {
        guard let file = fopen(path, "rb") else { throw TraceReadError.cannotOpen(path, errno) }
        defer { fclose(file) }
        if startOffset > 0 && fseek(file, startOffset, SEEK_SET) != 0 { throw TraceReadError.cannotRead(path, errno) }
        inflateReset(stream)
        var input = [UInt8](repeating: 0, count: 256 * 1024)
        var carried = 0  // bytes kept at the start of `input` from the previous read (scanning for a header)
        var baseOffset = max(0, startOffset)  // file offset of input[0]
        var insideMember = false
        var scanning = false
        var damages: [GzipDamage] = []
        while true {
            let count = input.withUnsafeMutableBytes {
                fread($0.baseAddress! + carried, 1, $0.count - carried, file)
            }
            if count == 0 {
                if ferror(file) != 0 { throw TraceReadError.cannotRead(path, errno) }
                if insideMember && !scanning { damages.append(.truncated(compressedOffset: baseOffset + carried)) }
                return damages
            }
            let available = carried + count
            var offset = 0
            carried = 0
            while offset < available {
                if scanning {
                    guard let header = Self.findMemberHeader(in: input, from: offset, to: available) else {
                        // Keep the last two bytes: a header may straddle the read boundary.
                        let keep = min(2, available - offset)
                        for index in 0..<keep { input[index] = input[available - keep + index] }
                        carried = keep
                        offset = available
                        break
                    }
                    scanning = false
                    offset = header
                    inflateReset(stream)
                    try onResume(baseOffset + header)
                }
                let start = offset
                let result = try input.withUnsafeMutableBufferPointer { inputBuffer in
                    try inflateChunk(inputBuffer.baseAddress! + start, available - start, consume)
                }
                offset += result.consumed
                switch result.outcome {
                case .needMoreInput:
                    insideMember = true
                case .memberEnded:
                    insideMember = false
                    inflateReset(stream)
                case .failed(let message):
                    damages.append(.corrupt(compressedOffset: baseOffset + offset, message: message))
                    insideMember = false
                    scanning = true
                    // zlib may have pulled a few bytes past the bad spot into its bit buffer: search again from
                    // a little before it (but past the start of this attempt, so a bad header is not found again).
                    offset = max(start + 1, offset - 16)
                }
            }
            baseOffset += available - carried
        }
    }

    /// The index of the next gzip member header (`1f 8b 08`) in `buffer[from..<to]`.
    private static func findMemberHeader(in buffer: [UInt8], from: Int, to: Int) -> Int? {
        var index = from
        while index + 2 < to {
            if buffer[index] == 0x1F && buffer[index + 1] == 0x8B && buffer[index + 2] == 0x08 { return index }
            index += 1
        }
        return nil
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
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                        return (consumed, .needMoreInput)
                    }
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
