import Causality
import Foundation
import Testing
import TraceFormat

@testable import RPC

@Suite("The cluster credential")
struct CredentialTests {
    @Test func constantTimeCompareAgreesWithEquality() {
        let expected = Array("0123456789abcdef0123".utf8)
        #expect(ClusterCredential.constantTimeEquals(expected, expected))
        #expect(!ClusterCredential.constantTimeEquals(Array("0123456789abcdef012X".utf8), expected))
        #expect(!ClusterCredential.constantTimeEquals(Array("0123456789abcdef012".utf8), expected))
        #expect(!ClusterCredential.constantTimeEquals(expected + [0x41], expected))
        #expect(!ClusterCredential.constantTimeEquals([], expected))
        #expect(!ClusterCredential.constantTimeEquals([], []))
        // A presented value that repeats the secret's prefix cyclically must not pass.
        #expect(!ClusterCredential.constantTimeEquals(Array("0123".utf8), Array("01230123".utf8)))
    }

    @Test func acceptsOnlyBearerWithTheExactSecret() throws {
        let credential = try ClusterCredential(secret: "  s3cret-s3cret-s3cret\n")
        #expect(credential.accepts(authorization: "Bearer s3cret-s3cret-s3cret"))
        #expect(credential.authorizationHeader.1 == "Bearer s3cret-s3cret-s3cret")
        for presented in [
            nil, "", "Bearer", "Bearer ", "bearer s3cret-s3cret-s3cret", "Basic s3cret-s3cret-s3cret",
            "Bearer s3cret-s3cret-s3cre", "Bearer s3cret-s3cret-s3crett",
            "Bearer " + String(repeating: "s", count: 5000),
        ] {
            #expect(!credential.accepts(authorization: presented), "\(presented?.prefix(30) ?? "nil")")
        }
    }

    @Test func refusesShortOrUnprintableSecrets() {
        #expect(throws: CredentialError.self) { try ClusterCredential(secret: "short") }
        #expect(throws: CredentialError.self) { try ClusterCredential(secret: "has a space in the middle") }
        #expect(throws: CredentialError.self) { try ClusterCredential(secret: String(repeating: "x", count: 600)) }
        #expect(ClusterCredential.generate() != ClusterCredential.generate())
        #expect(!"\(ClusterCredential.generate())".contains("Bearer"))
    }

    @Test func environmentSecretWinsOverTheFileAndTheFileIsWrittenPrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let generated = ClusterCredential.generate()
        try generated.write(to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try ClusterCredential.fromEnvironment([ClusterCredential.secretFileEnvironment: path]) == generated)
        let direct = try ClusterCredential.fromEnvironment([
            ClusterCredential.secretEnvironment: "direct-secret-value-1", ClusterCredential.secretFileEnvironment: path,
        ])
        #expect(direct == (try ClusterCredential(secret: "direct-secret-value-1")))
        #expect(try ClusterCredential.fromEnvironment([:]) == nil)
        #expect(throws: CredentialError.self) {
            try ClusterCredential.fromEnvironment([ClusterCredential.secretFileEnvironment: path + ".missing"])
        }
    }
}

@Suite("Metadata header parsing")
struct WireMetadataTests {
    private let policy = AdmissionPolicy.cluster(
        credential: try! ClusterCredential(secret: "metadata-secret-0001"), knownNodes: ["orchestrator", "fraud"],
        maxClockEntries: 8)

    private func read(_ headers: [String: String]) -> Result<WireMetadata, MetadataRejection> {
        WireMetadata.read(
            header: { headers[$0] }, policy: policy, authenticated: policy.authenticates(headers["authorization"]),
            now: 1_000)
    }

    @Test func authenticatedCallerKeepsItsMetadata() throws {
        let metadata = try read([
            "authorization": "Bearer metadata-secret-0001", "x-vector-clock": #"{"fraud":3}"#,
            "x-message-id": "fraud-12-7", "x-sender": "fraud", "x-deadline-ms": "250",
        ]).get()
        #expect(metadata.authenticated && metadata.clock?["fraud"] == 3)
        #expect(metadata.messageID == "fraud-12-7" && metadata.sender == "fraud")
        #expect(metadata.deadlineNanos == 1_000 + 250_000_000)
    }

    @Test func unauthenticatedCallerLosesClockMessageIDAndSender() throws {
        let metadata = try read([
            "x-vector-clock": #"{"fraud":3,"browser-tool":2}"#, "x-message-id": "fraud-12-7", "x-sender": "tool",
        ]).get()
        #expect(!metadata.authenticated)
        #expect(metadata.clock == nil && metadata.messageID == nil && metadata.sender == nil)
    }

    @Test func everyBoundHasItsReason() {
        let cases: [([String: String], String)] = [
            (["x-vector-clock": #"{"fraud":9007199254740993}"#], "clock_counter_out_of_range"),
            (["x-vector-clock": #"{"fraud":18446744073709551616}"#], "clock_counter_out_of_range"),
            (
                ["x-vector-clock": #"{"ghost":1}"#, "authorization": "Bearer metadata-secret-0001"],
                "clock_unknown_node"
            ),
            (["x-vector-clock": #"{"fraud":1,"fraud":2}"#], "clock_duplicate_node"),
            (["x-vector-clock": #"{"fr aud":1}"#], "clock_bad_node_id"),
            (["x-vector-clock": "[1]"], "clock_malformed"),
            (["x-vector-clock": String(repeating: " ", count: 70_000)], "clock_too_long"),
            (["x-message-id": ""], "message_id"),
            (["x-sender": "ghost", "authorization": "Bearer metadata-secret-0001"], "sender"),
            (["x-sender": "a/b"], "sender"),
            (["x-deadline-ms": "12345678901"], "deadline"), (["x-deadline-ms": "1e3"], "deadline"),
        ]
        for (headers, reason) in cases {
            guard case .failure(let rejection) = read(headers) else {
                Issue.record("accepted \(headers)")
                continue
            }
            #expect(rejection.reason == reason, "\(headers)")
        }
        let many = (0..<9).map { #""n\#($0)":1"# }.joined(separator: ",")
        let limits = WireClockLimits(maxEntries: 8)
        #expect(
            VectorClock.parse(wireText: "{\(many)}", limits: limits).failureReason == "clock_too_many_entries")
    }

    @Test func traceparentParserIsBoundedAndStrict() {
        let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        #expect(TraceContext(traceparent: valid)?.traceID == "0af7651916cd43dd8448eb211c80319c")
        let future = "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-"
        #expect(TraceContext(traceparent: future + String(repeating: "x", count: 100)) != nil)
        #expect(TraceContext(traceparent: future + String(repeating: "x", count: 300)) == nil)
        for bad in [
            "", valid + "-", "ff" + valid.dropFirst(2), "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
        ] {
            #expect(TraceContext(traceparent: String(bad)) == nil, "\(bad)")
        }
    }

    @Test func deadlineIsClampedToADay() throws {
        let metadata = try read(["x-deadline-ms": "9999999999"]).get()
        #expect(metadata.deadlineNanos == 1_000 + WireMetadata.maxDeadlineMilliseconds * 1_000_000)
    }
}

extension Result where Failure == WireClockRejection {
    fileprivate var failureReason: String? {
        if case .failure(let rejection) = self { return rejection.reason }
        return nil
    }
}

@Test func refusalLogLetsOneLinePerIntervalThroughAndCountsTheRest() {
    let log = RefusalLog(intervalNanos: 1_000)
    #expect(log.admit(now: 10_000) == 0)
    #expect(log.admit(now: 10_500) == nil)
    #expect(log.admit(now: 10_999) == nil)
    #expect(log.admit(now: 11_000) == 2)
    #expect(log.admit(now: 11_001) == nil)
}

@Test func aClusterPolicyAlwaysAdmitsAClockOfTheWholeCluster() throws {
    let nodes: Set<String> = ["a", "b", "c", "d"]
    let policy = AdmissionPolicy.cluster(
        credential: try ClusterCredential(secret: "policy-secret-000001"), knownNodes: nodes, maxClockEntries: 2)
    #expect(policy.clockLimits.maxEntries == 4)
    let clock = VectorClock(["a": 1, "b": 2, "c": 3, "d": 4])
    #expect((try? VectorClock.parse(wireText: clock.description, limits: policy.clockLimits).get()) == clock)
}
