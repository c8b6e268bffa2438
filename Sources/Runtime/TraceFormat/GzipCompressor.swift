import CZlib

/// How trace files are deflated: zlib's level and `memLevel` (the window stays 32 KiB).
///
/// Measured on a causality-gate run's traces re-compressed in their 5 ms batches with a sync flush each
/// (callgrind, system zlib 1.2.13): level 2 with `memLevel` 6 takes 9.7 % fewer instructions than level 1 with
/// `memLevel` 8 and writes 3.0 % fewer bytes. Most of the saving is the smaller hash table, which zlib rescans
/// whenever its window slides (every 32 KiB of input); level 2 finds longer matches at no extra cost on these lines.
public struct TraceCompression: Sendable, Equatable {
    /// zlib compression level, 1 (fastest) … 9 (smallest).
    public var level: Int32
    /// zlib's `memLevel`, 1 … 9: the hash table has 2^(memLevel + 7) entries, a block up to 2^(memLevel + 6)
    /// symbols.
    public var memoryLevel: Int32

    public init(level: Int32, memoryLevel: Int32) {
        self.level = level
        self.memoryLevel = memoryLevel
    }

    /// What trace writers use (see the type's note for the measurement).
    public static let standard = TraceCompression(level: 2, memoryLevel: 6)
}

/// A streaming gzip (RFC 1952) compressor over zlib's deflate.
public final class GzipCompressor {
    // zlib keeps a pointer back to the stream, so the stream must never move: it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    /// zlib's output goes here and is handed on from here (no array per call).
    private let output = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 128 * 1024)

    /// - Parameters:
    ///   - level: zlib compression level, 1 (fastest) … 9 (smallest).
    ///   - memoryLevel: zlib's `memLevel`, 1 … 9 (8 is zlib's default).
    public init(level: Int32 = 1, memoryLevel: Int32 = 8) throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 asks for the gzip wrapper instead of the zlib one.
        let status = deflateInit2_(
            stream, level, Z_DEFLATED, 15 + 16, memoryLevel, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            output.deallocate()
            throw GzipError.zlib(status, "deflateInit2")
        }
    }

    /// A compressor with `settings`.
    public convenience init(_ settings: TraceCompression) throws(GzipError) {
        try self.init(level: settings.level, memoryLevel: settings.memoryLevel)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
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
        input.withUnsafeBytes { bytes in
            compress(bytes, finish: finish) { result.append(contentsOf: $0) }
        }
        return result
    }

    /// Compresses `input`, handing the output to `sink` piece by piece as zlib produces it (usually one piece):
    /// each piece is the compressor's own buffer, valid only during that call of `sink`.
    /// - Parameter finish: as in `compress(_:finish:)`.
    public func compress(
        _ input: UnsafeRawBufferPointer, finish: Bool = false, into sink: (UnsafeRawBufferPointer) -> Void
    ) {
        let flush = finish ? Z_FINISH : Z_SYNC_FLUSH
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        while true {
            stream.pointee.next_out = output.baseAddress
            stream.pointee.avail_out = UInt32(output.count)
            let status = deflate(stream, flush)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { sink(UnsafeRawBufferPointer(start: output.baseAddress, count: produced)) }
            if finish {
                if status == Z_STREAM_END { break }
            } else if stream.pointee.avail_out != 0 {
                break
            }
            if status != Z_OK && status != Z_BUF_ERROR { break }
        }
        stream.pointee.next_in = nil
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
