import OTLP
import Testing

@Suite struct ConventionsTests {
    @Test func replicasShareOneServiceName() {
        #expect(OTLPConventions.serviceName(of: "executor-1") == "executor")
        #expect(OTLPConventions.serviceName(of: "executor-12") == "executor")
        #expect(OTLPConventions.serviceName(of: "orchestrator") == "orchestrator")
        #expect(OTLPConventions.serviceName(of: "my-service") == "my-service")
        #expect(OTLPConventions.serviceName(of: "-1") == "-1")
    }

    @Test func theEnvironmentOverridesTheConfigAsTheSpecificationSays() throws {
        #expect(try OTLPEndpoint.resolve(environment: [:], configured: nil) == nil)
        #expect(
            try OTLPEndpoint.resolve(environment: [:], configured: "http://collector:4318/")
                == "http://collector:4318/v1/traces")
        #expect(
            try OTLPEndpoint.resolve(
                environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318"], configured: "http://b:4318")
                == "http://a:4318/v1/traces")
        #expect(
            try OTLPEndpoint.resolve(
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318",
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/custom",
                ], configured: nil) == "http://c:4318/custom")
        #expect(throws: OTLPEndpoint.Invalid.self) {
            try OTLPEndpoint.resolve(environment: [:], configured: "ftp://x")
        }
        #expect(throws: OTLPEndpoint.Invalid.self) {
            try OTLPEndpoint.resolve(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a b"], configured: nil)
        }
    }
}
