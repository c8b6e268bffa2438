// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "BookstoreCluster",
    platforms: [.macOS(.v15)],
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
        // MARK: C bindings
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        .target(
            name: "CShims",
            dependencies: ["CMicroHTTPD", "CCurl"],
            linkerSettings: [.linkedLibrary("microhttpd"), .linkedLibrary("curl")]
        ),

        // MARK: Pure cores
        .target(name: "Causality"),
        .target(name: "TraceModel", dependencies: ["Causality"]),

        .target(name: "SeededRandom"),
        .target(name: "Election"),
        .target(name: "Checkout"),
        .target(name: "Catalog", dependencies: ["Checkout"]),
        .target(name: "OrderQueueCore", dependencies: ["Checkout", "Election"]),
        .target(name: "QueueStore", dependencies: ["OrderQueueCore", "Checkout", "Election", "CZlib"]),
        // The orchestrator's checkout as a state machine returning directives (the Services shell does the IO).
        .target(name: "OrchestratorCore", dependencies: ["Checkout"]),

        // MARK: Protocol (pure): every RPC method and trace event kind, declared once
        .target(
            name: "ClusterProtocol",
            dependencies: ["TraceModel", "Causality", "Election", "Checkout", "OrderQueueCore"]),

        // MARK: Executor core (pure): the Bully election and the leader's work loop composed, for the real executor
        // and the simulator
        .target(name: "ExecutorCore", dependencies: ["Election", "OrderQueueCore", "ClusterProtocol", "TraceModel"]),

        // MARK: Runtime libraries (threads, files, sockets)
        .target(name: "TraceFormat", dependencies: ["TraceModel", "Causality", "CZlib"]),
        .target(name: "TraceAnalysis", dependencies: ["TraceFormat", "Causality", "ClusterProtocol", "Election"]),
        .target(name: "TraceExport", dependencies: ["TraceAnalysis", "TraceFormat", "Causality", "ClusterProtocol"]),

        // MARK: IO layers
        .target(name: "FraudModel", dependencies: ["Checkout", "CXGBoost", "SeededRandom"]),
        .target(
            name: "RPC",
            dependencies: [
                "Causality", "TraceFormat", "CShims", "CMicroHTTPD", "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),

        .target(
            name: "Services",
            dependencies: [
                "RPC", "TraceFormat", "Causality", "Checkout", "Catalog", "OrderQueueCore", "QueueStore", "FraudModel",
                "Election", "ClusterProtocol", "ExecutorCore", "CCrypto", "OrchestratorCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "Cluster",
            dependencies: [
                "RPC", "TraceFormat", "Checkout", "Services", "Election", "ClusterProtocol", "SeededRandom",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        // MARK: Tools: the deterministic simulator of the order pipeline (the same pure cores as the services, on a
        // simulated clock and network; judged by TraceAnalysis's checks)
        .target(
            name: "PipelineSimulator",
            dependencies: [
                "ExecutorCore", "ClusterProtocol", "Election", "OrderQueueCore", "Checkout", "SeededRandom",
                "Causality", "TraceModel", "TraceFormat", "TraceAnalysis", "QueueStore",
            ]),

        // MARK: Executables
        .executableTarget(
            name: "BookstoreCLI",
            dependencies: [
                "RPC", "TraceFormat", "Causality", "Checkout", "Catalog", "FraudModel", "Services", "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "BookstoreBench",
            dependencies: [
                "RPC", "TraceFormat", "Services", "Cluster", "Election", "TraceAnalysis", "OrderQueueCore",
                "QueueStore", "Checkout", "ClusterProtocol", "TraceTestSupport", "PipelineSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        .executableTarget(
            name: "TraceAnalyzerCLI",
            dependencies: [
                "TraceAnalysis", "TraceExport", "TraceFormat", "Causality",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Test support (not in any library product)
        // The one synthetic-run builder (`ScenarioBuilder`) and the scenarios built with it, for the test targets
        // and for `bookstore-bench analyzer`'s generated runs.
        .target(name: "TraceTestSupport", dependencies: ["TraceFormat", "Causality"], path: "Tests/TraceTestSupport"),

        // MARK: Tests
        .testTarget(name: "CausalityTests", dependencies: ["Causality", "SeededRandom"]),
        .testTarget(name: "TraceFormatTests", dependencies: ["TraceFormat", "Causality", "SeededRandom"]),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "TraceFormat", "Causality"]),
        .testTarget(name: "ElectionTests", dependencies: ["Election", "SeededRandom"]),
        .testTarget(
            name: "TraceAnalysisTests",
            dependencies: ["TraceAnalysis", "TraceFormat", "Causality", "ClusterProtocol", "Election", "TraceTestSupport"]),
        .testTarget(
            name: "TraceExportTests",
            dependencies: [
                "TraceExport", "TraceAnalysis", "TraceFormat", "Causality", "RPC", "ClusterProtocol", "TraceTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CheckoutTests", dependencies: ["Checkout"]),
        .testTarget(
            name: "PipelineSimulationTests", dependencies: ["PipelineSimulator", "TraceAnalysis", "TraceFormat"]),
        .testTarget(
            name: "ExecutorCoreTests",
            dependencies: ["ExecutorCore", "ClusterProtocol", "Election", "OrderQueueCore", "Checkout"]),
        .testTarget(
            name: "ClusterProtocolTests",
            dependencies: ["ClusterProtocol", "TraceModel", "Election", "OrderQueueCore", "Checkout"]),
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
                "SeededRandom", "ClusterProtocol", "OrchestratorCore", "Election",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: Fuzzing
// libFuzzer targets, declared only when BOOKSTORE_FUZZ=1 so that normal builds and tests never see them.
// `make fuzz` builds them with `-sanitize=fuzzer -parse-as-library` in .build-fuzz (see docs/fuzzing.md).
if Context.environment["BOOKSTORE_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzSupport", path: "Sources/Fuzz/FuzzSupport"))
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzCheckoutDecoder", ["Services", "Checkout"]),
        ("FuzzJSONRPCEnvelope", ["RPC", "TraceFormat", .product(name: "Logging", package: "swift-log")]),
        ("FuzzVectorClock", ["Causality"]),
        ("FuzzTraceparent", ["TraceFormat"]),
        ("FuzzTraceEvent", ["TraceAnalysis", "TraceFormat"]),
    ]
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name, dependencies: target.dependencies + ["FuzzSupport"],
                path: "Sources/Fuzz/\(target.name)"))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
