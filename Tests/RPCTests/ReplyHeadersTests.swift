import Testing

@testable import RPC

/// Reply header lines kept as received and read on demand.
@Suite("Reply headers")
struct ReplyHeadersTests {
    private static func headers(_ lines: [String]) -> ReplyHeaders {
        var headers = ReplyHeaders()
        for line in lines {
            Array(line.utf8).withUnsafeBufferPointer { headers.append(line: $0) }
        }
        return headers
    }

    @Test func aValueIsFoundByNameInAnyCaseTrimmedAndTheLastOfARepeatedNameWins() {
        let headers = Self.headers([
            "Content-Type: application/json\r\n", "X-Vector-Clock:  {\"a\":1}\t\r\n", "x-message-id: first\r\n",
            "X-Message-ID: second\r\n", "no colon here\r\n", "Empty:\r\n", "\r\n",
        ])
        #expect(headers.value(of: "x-vector-clock") == "{\"a\":1}")
        #expect(headers.value(of: "X-VECTOR-CLOCK") == "{\"a\":1}")
        #expect(headers.value(of: "x-message-id") == "second")
        #expect(headers.value(of: "empty") == "")
        #expect(headers.value(of: "traceparent") == nil)
        #expect(headers.value(of: "content") == nil, "a prefix of a name is not the name")
        #expect(
            headers.all == [
                "content-type": "application/json", "x-vector-clock": "{\"a\":1}", "x-message-id": "second",
                "empty": "",
            ])
    }

    @Test func aValueIsComparedAndTheListKeepsTheOrderWithTheLastOfARepeatedNameInItsPlace() {
        let headers = Self.headers([
            "X-Message-ID: first\r\n", "Content-Type: application/json\r\n", "x-message-id:  second \r\n",
        ])
        #expect(headers.hasValue("second", named: "x-message-id"))
        #expect(!headers.hasValue("first", named: "X-MESSAGE-ID"), "the last of a repeated name counts")
        #expect(!headers.hasValue("second", named: "x-sender"), "an absent header has no value")
        #expect(!headers.hasValue("secon", named: "x-message-id"), "a prefix of the value is not the value")
        let clockBytes = headers.withValue(of: "content-type") { $0.map { Array($0) } }
        #expect(clockBytes == Array("application/json".utf8))
        #expect(headers.list.map(\.0) == ["content-type", "x-message-id"])
        #expect(headers.list.map(\.1) == ["application/json", "second"])
        #expect(Dictionary(uniqueKeysWithValues: headers.list) == headers.all)
    }

    @Test func linesWithoutALineEndAndNonASCIINamesAreKept() {
        var headers = Self.headers(["A: 1", "Ünï: x\r\n"])
        #expect(headers.value(of: "a") == "1")
        #expect(headers.all["ünï"] == "x")
        headers.removeAll()
        #expect(headers.all.isEmpty && headers.value(of: "a") == nil)
    }
}
