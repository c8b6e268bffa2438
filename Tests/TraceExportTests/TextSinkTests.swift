import Foundation
import Testing
import TraceExport

/// The export's output is opened in place: writing must never replace what the path names (a symbolic link,
/// /dev/null), as an atomic create-and-rename would.
@Suite("Export output file")
struct TextSinkTests {
    @Test func writingThroughASymbolicLinkKeepsTheLinkAndFillsItsTarget() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = directory + "/target.txt"
        let link = directory + "/link.txt"
        try Data("old and longer content\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)

        let sink = try TextSink(path: link)
        try sink.write("new\n")
        try sink.close()

        let kind = try FileManager.default.attributesOfItem(atPath: link)[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink, "the link was replaced by a file")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
    }

    @Test func devNullStaysACharacterDevice() throws {
        let sink = try TextSink(path: "/dev/null")
        try sink.write("discarded\n")
        try sink.close()
        var info = stat()
        #expect(stat("/dev/null", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFCHR, "/dev/null is no longer a character device")
    }
}
