// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "BookstoreCluster",
    // Linux only: set-up is Debian's apt (`scripts/bootstrap`) and the services read /proc, so no `platforms`
    // entry claims macOS.
    products: [
        .executable(name: "bookstore", targets: ["BookstoreCLI"]),
        .executable(name: "bookstore-bench", targets: ["BookstoreBench"]),
        .executable(name: "trace-analyzer", targets: ["TraceAnalyzerCLI"]),
        .library(name: "Causality", targets: ["Causality"]),
        .library(name: "TraceFormat", targets: ["TraceFormat"]),
        .library(name: "RPC", targets: ["RPC"]),
        .library(name: "Checkout", targets: ["Checkout"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Sources/ has four tiers; a target depends only on its own tier and the tiers above it in this list.

        // MARK: Core (pure): value types and state machines; no IO, no clock reads, no randomness, no threads
        core("Causality"),  // the vector clock and its bounded wire form
        core("TraceModel", ["Causality"]),  // trace events, their JSON coding, the typed payload protocol
        core("SeededRandom"),  // SplitMix64, the one seeded generator
        core("Election"),  // the Bully election with heartbeats and epochs (`BullyElection` returns directives)
        core("WireJSON"),  // byte-level JSON reader and writer for the hot RPC messages (bounded, no Foundation)
        core("Checkout", ["WireJSON"]),  // the checkout contract's types, verification checks, fraud rules
        core("Catalog", ["Checkout"]),  // the book catalog and the suggestion engine
        core("OrderQueueCore", ["Checkout", "Election"]),  // priority heap, fenced leases, the queue's record reducer
        core("OrchestratorCore", ["Checkout"]),  // the checkout as a state machine (`CheckoutFlow`)

        // MARK: Protocol (pure): every RPC method and trace event kind declared once, and the executor's machine
        protocolTarget(
            "ClusterProtocol", ["TraceModel", "Causality", "Election", "Checkout", "OrderQueueCore", "WireJSON"]),
        // The Bully election and the leader's work loop composed (`ExecutorInstance`), for the executor and the
        // simulator.
        protocolTarget("ExecutorCore", ["Election", "OrderQueueCore", "ClusterProtocol", "TraceModel"]),

        // MARK: Runtime: C bindings and the libraries that do IO (threads, files, sockets, processes)
        .systemLibrary(
            name: "CMicroHTTPD", path: "Sources/Runtime/CMicroHTTPD", pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/Runtime/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/Runtime/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Whole-member gzip inflation for the trace reader (zlib keeps the streaming and damaged tail).
        .systemLibrary(
            name: "CLibdeflate", path: "Sources/Runtime/CLibdeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Sources/Runtime/CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CXGBoost", path: "Sources/Runtime/CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        // Typed C wrappers for the variadic APIs (MHD daemon start, curl setopt/getinfo).
        .target(
            name: "CShims", dependencies: ["CMicroHTTPD", "CCurl"], path: "Sources/Runtime/CShims",
            linkerSettings: [.linkedLibrary("microhttpd"), .linkedLibrary("curl")]),
        // The trace files: gzip group-commit writer (a thread), the one reader, recorder, state files.
        runtime("TraceFormat", ["TraceModel", "Causality", "CZlib", "CLibdeflate"]),
        // The Order Queue's write-ahead log: framed records, fsync on a thread, snapshots, recovery.
        runtime("QueueStore", ["OrderQueueCore", "Checkout", "Election", "CZlib"]),
        // XGBoost training and serving through the C API.
        runtime("FraudModel", ["Checkout", "CXGBoost", "SeededRandom"]),
        // JSON-RPC over HTTP/1.1: libmicrohttpd server, libcurl client, tracing hooks (generic: no cluster types).
        runtime(
            "RPC",
            [
                "Causality", "TraceFormat", "CShims", "CMicroHTTPD", "CCurl", "WireJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]),
        // OpenTelemetry: spans rebuilt from trace events, OTLP/JSON with the semantic conventions, and the live
        // export (a bounded queue and a thread posting batches with libcurl) that every service can turn on.
        runtime(
            "OTLP",
            [
                "TraceFormat", "TraceModel", "Causality", "ClusterProtocol", "RPC", "CShims", "CCurl",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]),
        // The services: thin shells that carry out the cores' directives over RPC and trace files.
        runtime(
            "Services",
            [
                "RPC", "TraceFormat", "Causality", "Checkout", "Catalog", "OrderQueueCore", "QueueStore", "FraudModel",
                "Election", "ClusterProtocol", "ExecutorCore", "CCrypto", "OrchestratorCore", "OTLP", "WireJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // Running clusters of processes: supervisor, local clusters for tests and tools, the load generator.
        runtime(
            "Cluster",
            [
                "RPC", "TraceFormat", "Checkout", "Services", "Election", "ClusterProtocol", "SeededRandom", "WireJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),

        // MARK: Tools: the analyzer and exporters (they read files with threads), the simulator, the executables
        // Release builds skip the runtime exclusivity checks of the checks' stored properties (~8 % of the merge
        // thread's instructions under callgrind); debug builds, which the tests run, keep them.
        .target(
            name: "TraceAnalysis", dependencies: ["TraceFormat", "Causality", "ClusterProtocol", "Election"],
            path: "Sources/Tools/TraceAnalysis",
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        tool("TraceExport", ["TraceAnalysis", "TraceFormat", "Causality", "ClusterProtocol", "OTLP"]),
        // The deterministic simulator of the order pipeline: the same pure cores as the services on a simulated
        // clock and network, judged by TraceAnalysis's checks.
        tool(
            "PipelineSimulator",
            [
                "ExecutorCore", "ClusterProtocol", "Election", "OrderQueueCore", "Checkout", "SeededRandom",
                "Causality", "TraceModel", "TraceFormat", "TraceAnalysis", "QueueStore",
            ]),
        .executableTarget(
            name: "BookstoreCLI",
            dependencies: [
                "RPC", "TraceFormat", "Causality", "Checkout", "Catalog", "FraudModel", "Services", "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Tools/BookstoreCLI"),
        .executableTarget(
            name: "BookstoreBench",
            dependencies: [
                "RPC", "TraceFormat", "Services", "Cluster", "Election", "TraceAnalysis", "OrderQueueCore",
                "QueueStore", "Checkout", "ClusterProtocol", "TraceTestSupport", "PipelineSimulator", "WireJSON",
                "Catalog", "FraudModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Sources/Tools/BookstoreBench"),
        .executableTarget(
            name: "TraceAnalyzerCLI",
            dependencies: [
                "TraceAnalysis", "TraceExport", "TraceFormat", "Causality", "OTLP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Tools/TraceAnalyzerCLI"),

        // MARK: Test support (not in any library product)
        // The one synthetic-run builder (`ScenarioBuilder`) and the scenarios built with it, for the test targets
        // and for `bookstore-bench analyzer`'s generated runs.
        .target(
            name: "TraceTestSupport",
            dependencies: ["TraceFormat", "Causality", "ClusterProtocol", "Election", "TraceAnalysis", "SeededRandom"],
            path: "Tests/TraceTestSupport"),

        // A time limit counted from when a test body starts (Swift Testing's own counts time queued behind others).
        .target(name: "TestTimeLimits", path: "Tests/TestTimeLimits"),

        // MARK: Tests
        .testTarget(name: "CausalityTests", dependencies: ["Causality", "SeededRandom"]),
        .testTarget(
            name: "TraceFormatTests", dependencies: ["TraceFormat", "Causality", "SeededRandom", "TestTimeLimits"]),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "TraceFormat", "Causality"]),
        .testTarget(name: "ElectionTests", dependencies: ["Election", "SeededRandom"]),
        .testTarget(
            name: "TraceAnalysisTests",
            dependencies: [
                "TraceAnalysis", "TraceFormat", "Causality", "ClusterProtocol", "Election", "TraceTestSupport",
            ]),
        .testTarget(
            name: "TraceExportTests",
            dependencies: [
                "TraceExport", "TraceAnalysis", "TraceFormat", "Causality", "RPC", "ClusterProtocol",
                "TraceTestSupport",
                "OTLP", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "OTLPTests",
            dependencies: [
                "OTLP", "TraceFormat", "TraceModel", "Causality", "RPC", "Services", "Cluster", "TraceExport",
                "TraceAnalysis", "TestTimeLimits", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CheckoutTests", dependencies: ["Checkout", "WireJSON", "SeededRandom"]),
        .testTarget(
            name: "PipelineSimulationTests", dependencies: ["PipelineSimulator", "TraceAnalysis", "TraceFormat"]),
        .testTarget(
            name: "ExecutorCoreTests",
            dependencies: ["ExecutorCore", "ClusterProtocol", "Election", "OrderQueueCore", "Checkout"]),
        .testTarget(
            name: "ClusterProtocolTests",
            dependencies: ["ClusterProtocol", "TraceModel", "Election", "OrderQueueCore", "Checkout", "WireJSON"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "Checkout", "SeededRandom"]),
        .testTarget(
            name: "OrderQueueCoreTests", dependencies: ["OrderQueueCore", "Checkout", "Election", "SeededRandom"]),
        .testTarget(
            name: "QueueStoreTests",
            dependencies: ["QueueStore", "OrderQueueCore", "Checkout", "Election", "SeededRandom"]),
        .testTarget(name: "FraudModelTests", dependencies: ["FraudModel", "Checkout", "SeededRandom"]),
        .testTarget(name: "OrchestratorCoreTests", dependencies: ["OrchestratorCore", "Checkout"]),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "Cluster", "Checkout", "RPC", "TraceFormat", "Causality", "Catalog", "TraceAnalysis",
                "SeededRandom", "ClusterProtocol", "OrchestratorCore", "Election", "WireJSON", "TestTimeLimits",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: Fuzzing
// libFuzzer targets, declared only when BOOKSTORE_FUZZ=1 so that normal builds and tests never see them.
// `make fuzz` builds them with `-sanitize=fuzzer -parse-as-library` in .build-fuzz (see docs/fuzzing.md).
if Context.environment["BOOKSTORE_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzSupport", path: "Sources/Tools/Fuzz/FuzzSupport"))
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzCheckoutDecoder", ["Services", "Checkout", "WireJSON"]),
        ("FuzzJSONRPCEnvelope", ["RPC", "TraceFormat", .product(name: "Logging", package: "swift-log")]),
        ("FuzzVectorClock", ["Causality"]),
        ("FuzzTraceparent", ["TraceFormat"]),
        ("FuzzTraceEvent", ["TraceAnalysis", "TraceFormat"]),
    ]
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name, dependencies: target.dependencies + ["FuzzSupport"],
                path: "Sources/Tools/Fuzz/\(target.name)"))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}

// MARK: Tiers
/// A target of the pure core tier (`Sources/Core/<name>`).
func core(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Core/\(name)")
}

/// A target of the pure protocol tier (`Sources/Protocol/<name>`).
func protocolTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Protocol/\(name)")
}

/// A library of the runtime tier (`Sources/Runtime/<name>`): it does IO.
func runtime(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Runtime/\(name)")
}

/// A library of the tools tier (`Sources/Tools/<name>`).
func tool(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Tools/\(name)")
}
