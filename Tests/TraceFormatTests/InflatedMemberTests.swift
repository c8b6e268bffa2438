import Foundation
import Testing

@testable import TraceFormat

/// The inflater's member storage: bytes a consumer keeps are never overwritten, storage nobody keeps is reused.
@Suite struct InflatedMemberTests {
    /// A file of `count` gzip members, member `n` holding `member(n)`.
    private func writeMembers(_ count: Int, to path: String) throws -> [[UInt8]] {
        let contents = (0..<count).map { number in Array(String(repeating: "member \(number)\n", count: 2_000).utf8) }
        try writeBytes(contents.flatMap { try gzipMember([$0]) }, to: path)
        return contents
    }

    @Test("a member a consumer keeps holds its bytes while the inflater goes on to the next members")
    func keptMembersAreNotOverwritten() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("members.gz").path
            let contents = try writeMembers(6, to: path)
            var kept: [(member: InflatedMember, start: UnsafePointer<UInt8>, count: Int)] = []
            let tail = try MemberInflater().wholeMembersKeeping(at: path) { _, content, member in
                kept.append((member, content.baseAddress!, content.count))
            }
            #expect(tail == nil)
            #expect(Set(kept.map { ObjectIdentifier($0.member) }).count == contents.count)
            for (number, entry) in kept.enumerated() {
                #expect(Array(UnsafeBufferPointer(start: entry.start, count: entry.count)) == contents[number])
            }
        }
    }

    @Test("storage nobody else keeps is reused for the next member")
    func releasedStorageIsReused() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("members.gz").path
            let contents = try writeMembers(6, to: path)
            var storages = Set<ObjectIdentifier>()
            var previous: InflatedMember?
            var seen: [[UInt8]] = []
            _ = try MemberInflater().wholeMembersKeeping(at: path) { _, content, member in
                // Holding the previous member while the next one is inflated: two storages alternate.
                storages.insert(ObjectIdentifier(member))
                seen.append(Array(content))
                previous = member
            }
            _ = previous
            #expect(seen == contents)
            #expect(storages.count == 2)
        }
    }

    @Test("a copy holds its own bytes")
    func copyHoldsItsBytes() {
        let bytes: [UInt8] = Array("{\"v\":1}".utf8)
        let copy = bytes.withUnsafeBufferPointer { InflatedMember(copying: $0) }
        #expect(Array(UnsafeBufferPointer(start: copy.start, count: bytes.count)) == bytes)
    }
}
