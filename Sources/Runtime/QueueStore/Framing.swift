import CZlib
import OrderQueueCore

/// Frames: `u32 length | u32 crc32(payload) | payload`, little-endian; CRC-32 is zlib's (ISO-HDLC polynomial).
public enum Framing {
    /// Largest payload a frame may carry; a larger length is damage, not a record.
    public static let maxPayload = 1 << 20
    static let headerSize = 8

    /// zlib's CRC-32 of `bytes[range]`.
    static func crc(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress.map { $0 + range.lowerBound }
            return UInt32(truncatingIfNeeded: crc32(0, base, uInt(range.count)))
        }
    }

    /// Appends `record` framed to `bytes`: the payload is encoded in place after a header that is filled in
    /// afterwards, so a record costs no buffer of its own.
    public static func append(_ record: QueueRecord, to bytes: inout [UInt8]) {
        var writer = ByteWriter()
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        let start = writer.bytes.count
        writer.uint32(0)
        writer.uint32(0)
        RecordCodec.encode(record, into: &writer)
        let payload = (start + headerSize)..<writer.bytes.count
        let checksum = crc(writer.bytes, payload)
        writer.put(UInt32(truncatingIfNeeded: payload.count), at: start)
        writer.put(checksum, at: start + 4)
    }

    /// What a scan found.
    public struct Scan: Sendable, Equatable {
        /// Records decoded, in order.
        public var records: Int
        /// Bytes up to the end of the last good frame: the file is cut here.
        public var validEnd: Int
        /// Why the scan stopped before the end of the bytes (nil: they ended cleanly).
        public var damage: String?
    }

    /// Decodes every frame of `bytes` in order, calling `body` for each record, and stops at the first torn or
    /// damaged frame (bad length, bad CRC, or a payload outside the queue's bounds). With `zeroTailEnds` (a log
    /// segment, preallocated with zeros: `SegmentFile`), bytes that are all zero from a frame's start to the end
    /// are the end of the log, not damage (no frame starts with a zero length); zeros followed by anything else
    /// are damage (a write the crash left half on disk).
    public static func scan(_ bytes: [UInt8], zeroTailEnds: Bool = false, _ body: (QueueRecord) -> Void) -> Scan {
        var offset = 0
        var records = 0
        while offset < bytes.count {
            if zeroTailEnds, bytes[offset] == 0, isZero(bytes, from: offset) {
                return Scan(records: records, validEnd: offset, damage: nil)
            }
            guard bytes.count - offset >= headerSize else {
                return Scan(records: records, validEnd: offset, damage: "torn frame header at byte \(offset)")
            }
            var header = ByteReader(bytes, from: offset, to: offset + headerSize)
            let length = Int((try? header.uint32()) ?? 0)
            let expected = (try? header.uint32()) ?? 0
            let start = offset + headerSize
            guard length > 0, length <= maxPayload else {
                return Scan(records: records, validEnd: offset, damage: "bad frame length \(length) at byte \(offset)")
            }
            guard bytes.count - start >= length else {
                return Scan(records: records, validEnd: offset, damage: "torn frame at byte \(offset)")
            }
            guard crc(bytes, start..<(start + length)) == expected else {
                return Scan(records: records, validEnd: offset, damage: "CRC mismatch at byte \(offset)")
            }
            var reader = ByteReader(bytes, from: start, to: start + length)
            do {
                body(try RecordCodec.decode(&reader))
            } catch let failure as DecodeFailure {
                return Scan(
                    records: records, validEnd: offset, damage: "invalid record at byte \(offset): \(failure.reason)")
            } catch {
                return Scan(records: records, validEnd: offset, damage: "invalid record at byte \(offset)")
            }
            records += 1
            offset = start + length
        }
        return Scan(records: records, validEnd: offset, damage: nil)
    }

    /// True when every byte of `bytes` from `start` on is zero.
    static func isZero(_ bytes: [UInt8], from start: Int) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var accumulated: UInt8 = 0
            for index in start..<buffer.count { accumulated |= buffer[index] }
            return accumulated == 0
        }
    }
}
