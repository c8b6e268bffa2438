import Foundation
import Testing
import TraceAnalysis
import TraceExport
import TraceFormat

@Suite struct OTLPExportTests {
    /// The spans of one exported line, by span id.
    private func spans(_ line: Substring) throws -> [String: TraceValue] {
        let root = try parseJSON(line)
        var result: [String: TraceValue] = [:]
        for resource in root["resourceSpans"]?.arrayValue ?? [] {
            for scope in resource["scopeSpans"]?.arrayValue ?? [] {
                for span in scope["spans"]?.arrayValue ?? [] { result[span["spanId"]!.stringValue!] = span }
            }
        }
        return result
    }

    private func attribute(_ span: TraceValue?, _ key: String) -> TraceValue? {
        span?["attributes"]?.arrayValue?.first { $0["key"]?.stringValue == key }?["value"]
    }

    @Test func everyLineIsOneValidTraceOfTheSampleRun() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let (text, summary) = try export(directory, .otlp)
            #expect(OTLPValidator.problems(text) == [])
            let lines = text.split(separator: "\n")
            #expect(lines.count == 2)  // the order's trace and the lease call's trace
            #expect(summary.linesWritten == 2)
            #expect(summary.notes.contains { $0.contains("no trace id") })  // the election events
        }
    }

    @Test func clientServerAndInternalSpansAreLinkedAndTyped() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let (text, _) = try export(directory, .otlp)
            let line = try #require(text.split(separator: "\n").first { $0.contains(SampleRun.order) })
            let spans = try spans(line)
            let root = try #require(spans["00f067aa0ba902b7"])
            #expect(root["kind"] == .int(2))
            #expect(root["parentSpanId"] == nil)
            let external = TraceValue.object(["stringValue": .string(SampleRun.externalParent)])
            #expect(attribute(root, "bookstore.parent_span_id") == external)
            let call = try #require(spans["b7ad6b7169203331"])
            #expect(call["kind"] == .int(3))
            #expect(call["name"] == "score")
            #expect(call["parentSpanId"] == "00f067aa0ba902b7")
            #expect(spans["e457b5a2e4d86bd1"]?["parentSpanId"] == "b7ad6b7169203331")
            #expect(spans["e457b5a2e4d86bd1"]?["events"]?.arrayValue?.first?["name"] == "log")
            #expect(spans["c1c1c1c1c1c1c1c1"]?["status"]?["code"] == .int(2))
            #expect(spans["c1c1c1c1c1c1c1c1"]?["status"]?["message"] == "connection refused")
            #expect(spans["d2d2d2d2d2d2d2d2"]?["kind"] == .int(1))
            #expect(spans["d2d2d2d2d2d2d2d2"]?["name"] == "decide")
            #expect(spans["c7c7c7c7c7c7c7c7"]?["name"] == "process orders")
            #expect(spans["c7c7c7c7c7c7c7c7"]?["kind"] == .int(5))  // CONSUMER
            #expect(attribute(call, "rpc.system") == .object(["stringValue": "jsonrpc"]))
            #expect(attribute(call, "server.address") == .object(["stringValue": "fraud"]))
            #expect(attribute(call, "http.response.status_code") == .object(["intValue": "200"]))
            #expect(attribute(root, "bookstore.vector_clock") == .object(["stringValue": "{\"orchestrator\":1}"]))
            #expect(attribute(call, "bookstore.http_status") == .object(["intValue": "200"]))
        }
    }

    @Test func smallBatchesWriteTheSameLinesAsOneBatch() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let source = try RunLoader(directory: directory)
            var outputs: [String] = []
            for limit in [1, 1_000] {
                let path = (directory as NSString).appendingPathComponent("out-\(limit).txt")
                let sink = try TextSink(path: path)
                _ = try OTLPExporter(maximumEventsPerBatch: limit).export(source, selection: .init(), to: sink)
                try sink.close()
                outputs.append(try String(contentsOfFile: path, encoding: .utf8))
                try FileManager.default.removeItem(atPath: path)
            }
            #expect(outputs[0] == outputs[1])
        }
    }

    @Test func validatorRejectsNumericTimesAndForeignParents() {
        let span =
            #"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"b7ad6b7169203331","name":"x","kind":2,"#
            + #""startTimeUnixNano":5,"endTimeUnixNano":"4","parentSpanId":"00f067aa0ba902b7","attributes":[],"#
            + #""status":{"code":1}}"#
        let line =
            #"{"resourceSpans":[{"resource":{"attributes":["#
            + #"{"key":"service.name","value":{"stringValue":"a"}}]},"#
            + #""scopeSpans":[{"scope":{"name":"s"},"spans":["# + span + "]}]}]}\n"
        let problems = OTLPValidator.problems(line)
        #expect(problems.contains { $0.contains("times are not decimal strings") })
        #expect(problems.contains { $0.contains("not a span of this trace") })
        #expect(problems.contains { $0.contains("bookstore.vector_clock") })
    }
}
