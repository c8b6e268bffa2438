import Checkout
import Cluster
import Foundation
import RPC
import Services
import Testing
import TraceFormat
import TestTimeLimits

/// Card data stays at the edge: after a run of checkouts with a distinctive test card, no trace, log, pid file,
/// config or queue data file of the run holds the card number or the CVV.
@Suite("Card data stays at the edge", .serialized)
struct CardDataTests {
    /// An American Express test number (Luhn-valid) and a 4-digit CVV that no other test uses.
    static let number = "371449635398431"
    static let cvv = "8264"

    @Test(.runningTimeLimit(.seconds(120)))
    func noFileOfTheRunHoldsTheCardNumberOrCVV() throws {
        let cluster = try CheckoutCluster.launch("card-data")
        defer { cluster.close() }
        let year = CalendarDate.utcNow().year
        var approved: [String] = []
        for index in 0..<6 {
            // Five valid orders and one with an expired card (the rejection path logs too).
            let expiry = index == 5 ? "01/\((year - 1) % 100)" : "0\(1 + index)/\((year + 2) % 100)"
            let body = courseBody(comment: "card test \(index)")
                .replacingOccurrences(of: "4111111111111111", with: Self.number)
                .replacingOccurrences(of: "\"cvv\":\"123\"", with: "\"cvv\":\"\(Self.cvv)\"")
                .replacingOccurrences(of: "12/\((year + 2) % 100)", with: expiry)
            #expect(body.contains(Self.number) && body.contains(Self.cvv))
            let response = try cluster.post(body)
            let reply = try JSONDecoder().decode(CheckoutReply.self, from: response.body)
            #expect(reply.status == (index == 5 ? "Order Rejected" : "Order Approved"), "order \(index)")
            if reply.status == "Order Approved" { approved.append(reply.orderId) }
        }
        // The executors have leased and committed the tickets.
        let snapshot = try #require(QueueDrain.wait(config: cluster.config, timeout: .seconds(15)))
        #expect(Set(snapshot.commits.map(\.orderId)) == Set(approved))
        cluster.stop()

        let files = try Self.regularFiles(under: cluster.root)
        #expect(
            files.contains { $0.hasSuffix("orchestrator.jsonl.gz") } && files.contains { $0.hasSuffix("queue.log") })
        // A 4-digit CVV turns up by chance among timestamps and pids, so it is looked for as the JSON string it was
        // sent as, and as the value of a `cvv` field.
        let needles = [Self.number, "\"\(Self.cvv)\"", "\"cvv\":", "cvv=", "\"number\":"]
        var searched = 0
        for file in files {
            let text = try Self.contents(of: file)
            searched += text.count
            for needle in needles {
                let found = text.contains(needle)
                #expect(!found, "\(file) contains \(needle)")
            }
        }
        #expect(searched > 10_000, "the run wrote traces and logs to search (\(searched) bytes)")
    }

    /// Every regular file under `root`, recursively.
    static func regularFiles(under root: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let path = (root as NSString).appendingPathComponent(relative)
            var directory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &directory), !directory.boolValue {
                files.append(path)
            }
        }
        return files
    }

    /// A file's bytes as text; gzip files decompressed (as far as they are readable).
    static func contents(of path: String) throws -> String {
        guard path.hasSuffix(".gz") else {
            return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        _ = try GzipDecompressor().decompressFile(at: path) { chunk in bytes.append(contentsOf: chunk) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
