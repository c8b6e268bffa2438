import Foundation

/// The open log segment, preallocated: the file is zero-filled ahead of the writes (real zeros, written and made
/// durable with `fsync` whenever it grows), so an append overwrites zeros in place and changes neither the file's
/// size nor its block map. `fdatasync` then makes an append durable without a journal commit of the inode (it skips
/// only the timestamps, which recovery does not need). Recovery reads the zeros after the last frame as the end of
/// the log (`Framing.scan(_:zeroTailEnds:_:)`). A segment that ends (a snapshot starts the next one, or a clean
/// close) is cut back to its frames.
///
/// `fallocate` is not used: it leaves unwritten extents whose first write changes the block map, which
/// `fdatasync` must then journal like a size change.
struct SegmentFile {
    /// The file grows by this many zero bytes at a time.
    static let growthBytes = 4 << 20
    /// The zeros written per call while growing.
    private static let zeros = [UInt8](repeating: 0, count: 1 << 20)

    let path: String
    private(set) var descriptor: Int32
    /// Where the next append goes: the end of the last frame.
    private(set) var offset: Int
    /// The file's size: zeros from `offset` to here.
    private(set) var capacity: Int
    /// Times the file grew (each one a `fsync`).
    private(set) var growths = 0

    /// Opens (creating) the segment at `path` for appends at `offset` (the end of its last good frame: every byte
    /// after it must be zero, or cut by the caller), and makes room for the next appends, durably.
    static func open(_ path: String, at offset: Int) throws -> SegmentFile {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileIO.fail("open", path) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = FileIO.fail("fstat", path)
            Glibc.close(descriptor)
            throw error
        }
        var segment = SegmentFile(
            path: path, descriptor: descriptor, offset: offset, capacity: max(Int(status.st_size), offset))
        do {
            try segment.reserve(growthBytes / 2)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        return segment
    }

    /// Writes `bytes` at the end of the log (growing the file first when the zeros would not hold them).
    mutating func append(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try reserve(bytes.count)
        try bytes.withUnsafeBytes { try Self.writeAll(descriptor, $0, at: offset, path: path) }
        offset += bytes.count
    }

    /// Makes the appends durable (`fdatasync`: the size and block map are already durable).
    func syncData() throws {
        guard fdatasync(descriptor) == 0 else { throw FileIO.fail("fdatasync", path) }
    }

    /// Ends the segment: cuts the zeros after the last frame and syncs the file (data and size).
    func finish() throws {
        guard ftruncate(descriptor, off_t(offset)) == 0 else { throw FileIO.fail("ftruncate", path) }
        try FileIO.sync(descriptor, path: path)
    }

    func close() {
        Glibc.close(descriptor)
    }

    /// Makes sure at least `count` zero bytes follow `offset`: writes zeros from the file's end (whole
    /// `growthBytes` past what is needed) and syncs the file, so that its size and blocks are durable before any
    /// frame is written into them.
    private mutating func reserve(_ count: Int) throws {
        guard capacity - offset < count else { return }
        let target = offset + count + Self.growthBytes
        var position = capacity
        while position < target {
            let chunk = min(Self.zeros.count, target - position)
            try Self.zeros.withUnsafeBytes {
                try Self.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: $0[0..<chunk]), at: position, path: path)
            }
            position += chunk
        }
        try FileIO.sync(descriptor, path: path)
        capacity = target
        growths += 1
    }

    /// `pwrite`s all of `bytes` at `position`.
    private static func writeAll(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at position: Int, path: String
    ) throws {
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw FileIO.fail("pwrite", path)
            }
            done += written
        }
    }
}
