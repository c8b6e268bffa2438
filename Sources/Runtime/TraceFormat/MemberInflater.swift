import CLibdeflate
import Glibc

/// Decompresses a gzip trace file member by member with libdeflate (several times faster than zlib's streaming
/// inflate), and hands the rest of the file to `GzipDecompressor` (zlib) at the first member it cannot inflate
/// whole: a member cut by a kill, damaged data, or a member larger than its bounded buffers. So complete members
/// take the fast path and the damaged or still-growing tail keeps zlib's exact damage reports and resumption.
///
/// Memory is bounded: at most `maximumInput` bytes of compressed input and `maximumOutput` bytes of output per
/// member; storage a consumer keeps alive (`InflatedMember`) is replaced, and freed when the consumer lets it go.
public final class MemberInflater {
    /// Compressed bytes held at most; a member that does not fit is read by zlib.
    public static let maximumInput = 8 << 20
    /// Decompressed bytes of one member at most; a bigger member is read by zlib.
    public static let maximumOutput = 32 << 20

    private let decompressor: OpaquePointer
    private var input: UnsafeMutableRawBufferPointer
    /// Where members are inflated: storage a consumer still holds is not overwritten (`InflatedMember`).
    private var outputs = InflatedMemberPool()
    /// The output size members need so far (grown when one does not fit).
    private var outputCapacity = 1 << 20

    public init() {
        decompressor = libdeflate_alloc_decompressor()
        input = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        libdeflate_free_decompressor(decompressor)
        input.deallocate()
    }

    /// Decompresses the file at `path` from `startOffset` (0 or a member's start), like
    /// `GzipDecompressor.decompressFile(at:startOffset:onResume:_:)`, with the same damage reports.
    /// `onTail` gets the offset where zlib takes over (the first member that did not decode whole). `consume` gets
    /// each whole member with its storage (retain it to keep the bytes), and zlib's chunks with nil (valid during
    /// the call only).
    public func decompressFile(
        at path: String, startOffset: Int = 0, onResume: (Int) throws -> Void,
        onTail: (Int) throws -> Void = { _ in },
        _ consume: (UnsafeBufferPointer<UInt8>, InflatedMember?) throws -> Void
    ) throws -> [GzipDamage] {
        let tail = try wholeMembersKeeping(at: path, startOffset: startOffset) { _, chunk, member in
            try consume(chunk, member)
        }
        guard let tail else { return [] }
        try onTail(tail)
        // A cut, damaged or oversized member: zlib reads the rest and reports what it finds.
        return try GzipDecompressor().decompressFile(at: path, startOffset: tail, onResume: onResume) { chunk in
            try consume(chunk, nil)
        }
    }

    /// Inflates the whole members of the file at `path` from `startOffset`, handing each member's start offset
    /// and content to `body`, up to the first member it cannot inflate whole.
    /// - Returns: the offset of that member (the tail, for zlib), or nil when the file ended after a whole member.
    public func wholeMembers(
        at path: String, startOffset: Int = 0, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Int? {
        try wholeMembersKeeping(at: path, startOffset: startOffset) { offset, content, _ in try body(offset, content) }
    }

    /// `wholeMembers(at:startOffset:_:)` that also hands over each member's storage: the content stays valid while
    /// the consumer retains it.
    public func wholeMembersKeeping(
        at path: String, startOffset: Int = 0,
        _ body: (Int, UnsafeBufferPointer<UInt8>, InflatedMember) throws -> Void
    ) throws -> Int? {
        guard let file = fopen(path, "rb") else { throw TraceReadError.cannotOpen(path, errno) }
        defer { fclose(file) }
        if startOffset > 0 && fseek(file, startOffset, SEEK_SET) != 0 { throw TraceReadError.cannotRead(path, errno) }
        var base = max(0, startOffset)  // file offset of input[0]
        var position = 0
        var filled = 0
        var atEnd = false

        /// Moves the unread bytes to the front and reads more; false when nothing more could be read.
        func refill() throws -> Bool {
            if position > 0 {
                filled -= position
                if filled > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + position, byteCount: filled) }
                base += position
                position = 0
            }
            if filled == input.count {
                guard input.count < Self.maximumInput else { return false }
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count * 2, alignment: 16)
                larger.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: filled)
                input.deallocate()
                input = larger
            }
            let count = fread(input.baseAddress! + filled, 1, input.count - filled, file)
            if count == 0 {
                if ferror(file) != 0 { throw TraceReadError.cannotRead(path, errno) }
                atEnd = true
                return false
            }
            filled += count
            return true
        }

        while true {
            if filled - position < input.count / 4 && !atEnd { _ = try refill() }
            if position == filled && atEnd { return nil }
            var used = 0
            var produced = 0
            let output = outputs.free(capacity: outputCapacity)
            let result = libdeflate_gzip_decompress_ex(
                decompressor, input.baseAddress! + position, filled - position, output.storage.baseAddress!,
                outputCapacity, &used, &produced)
            switch result {
            case LIBDEFLATE_SUCCESS:
                try body(base + position, UnsafeBufferPointer(start: output.start, count: produced), output)
                position += used
                continue
            case LIBDEFLATE_INSUFFICIENT_SPACE where outputCapacity < Self.maximumOutput:
                outputCapacity *= 2
                continue
            case LIBDEFLATE_BAD_DATA where !atEnd:
                // Maybe only the end of the member is not read yet: read more, up to the bound.
                if try refill() { continue }
            default: break
            }
            return base + position
        }
    }
}
