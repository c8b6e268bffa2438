import Synchronization

/// The decompressed bytes of one gzip member, in storage that a reader may keep alive past the call that handed them
/// over: a line of a member stays valid for as long as its `InflatedMember` is retained.
///
/// `MemberInflater` reuses a member's storage for a later member only when it holds the last reference to it, so a
/// consumer that keeps a reference (the analyzer's events point into their member instead of copying their line)
/// never sees its bytes change. The storage is written only before the member is handed over, and only while no
/// other reference exists; after that it is read only, so the object is shared between threads as immutable bytes.
public final class InflatedMember: @unchecked Sendable {
    /// The storage: `capacity` bytes, of which the current member's content is a prefix.
    let storage: UnsafeMutableRawBufferPointer

    /// Storage for members of up to `capacity` bytes.
    init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 16) }

    /// A copy of `bytes`, for a consumer that keeps a few lines longer than their member (the member's storage can
    /// then be reused).
    public init(copying bytes: UnsafeBufferPointer<UInt8>) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let base = bytes.baseAddress { storage.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
    }

    deinit { storage.deallocate() }

    /// The first byte of the storage.
    public var start: UnsafePointer<UInt8> { UnsafePointer(storage.baseAddress!.assumingMemoryBound(to: UInt8.self)) }

    var capacity: Int { storage.count }
}

/// The members a `MemberInflater` decompresses into: storage whose last reference it holds is reused, other storage
/// (still referenced by a consumer) is left to its holders and replaced by new storage.
struct InflatedMemberPool {
    private var members: [InflatedMember] = []

    /// Storage of at least `capacity` bytes that nobody else references.
    mutating func free(capacity: Int) -> InflatedMember {
        for position in members.indices where isKnownUniquelyReferenced(&members[position]) {
            guard members[position].capacity >= capacity else { continue }
            // The holders' last reads of the bytes happened before their releases; order the writes to come after.
            atomicMemoryFence(ordering: .acquiring)
            return members[position]
        }
        // Storage too small, or all held: drop what only the pool holds and is too small, then allocate.
        var position = members.count
        while position > 0 {
            position -= 1
            if members[position].capacity < capacity && isKnownUniquelyReferenced(&members[position]) {
                members.remove(at: position)
            }
        }
        let member = InflatedMember(capacity: capacity)
        members.append(member)
        return member
    }
}
