import Checkout
import Foundation
import OrderQueueCore

/// The cluster's configuration: where every service listens, deadlines, and service settings.
/// One file describes the whole cluster; each service reads its own part (so a service can run on
/// another host by giving it a non-loopback address there).
public struct ClusterConfig: Codable, Sendable, Equatable {
    /// A service's node id (its vector-clock entry and trace file name), the `host:port` others reach it at
    /// (its advertised address: an IP or a DNS name) and, optionally, the `host:port` it binds.
    public struct Endpoint: Codable, Sendable, Equatable {
        public var id: String
        /// The advertised address: what clients dial (libcurl resolves DNS names).
        public var address: String
        /// Where the server binds; nil: the advertised address when its host is an IP literal, else all
        /// interfaces on its port (see `listenAddress`).
        public var listen: String?
        public init(id: String, address: String, listen: String? = nil) {
            self.id = id
            self.address = address
            self.listen = listen
        }
        /// `http://host:port`.
        public var url: String { "http://\(address)" }
    }

    /// Deadlines of the orchestrator's calls, in milliseconds.
    public struct Deadlines: Codable, Sendable, Equatable {
        public var verificationMs = 500
        public var fraudMs = 500
        public var suggestionsMs = 500
        public var queueMs = 500
        public init() {}
    }

    public var orchestrator = Endpoint(id: "orchestrator", address: "127.0.0.1:8081")
    public var verification = Endpoint(id: "verification", address: "127.0.0.1:9101")
    public var fraud = Endpoint(id: "fraud", address: "127.0.0.1:9102")
    public var suggestions = Endpoint(id: "suggestions", address: "127.0.0.1:9103")
    public var queue = Endpoint(id: "queue", address: "127.0.0.1:9104")
    public var deadlines = Deadlines()
    /// The XGBoost model (JSON); its threshold comes from the `.meta.json` beside it.
    public var fraudModel = "models/fraud-model.json"
    /// How the Order Queue orders approved orders.
    public var priority = PriorityPolicy.default
    /// Suggestions per order.
    public var suggestionCount = 3
    /// How the orchestrator shares the leaf services' calls between checkouts in flight together.
    public var fanOutBatch = FanOutBatchSettings()
    /// Serve each connection on a thread of its own (the default), or on a pool of `serverThreads` workers
    /// (`orchestratorThreads` for the orchestrator). A pool worker keeps every connection it accepted, so a request
    /// waits behind a slow request of another connection on the same worker (a checkout blocks its thread for the
    /// whole fan-out): with 8 clients and 16 workers, 7 workers served all 8 connections. The Order Queue and the
    /// executors always use a thread per connection (their handlers hold requests on purpose). `maxConnections`
    /// bounds the threads either way.
    public var threadPerConnection = true
    /// Pool workers, when `threadPerConnection` is false (the orchestrator blocks a worker per in-flight checkout,
    /// so it gets more).
    public var serverThreads = 4
    public var orchestratorThreads = 16
    /// Where runs' trace directories are created.
    public var tracesRoot = "traces/runs"
    /// The replicated executors and their timing.
    public var executors = ExecutorSettings()
    /// Serve Prometheus metrics at `/metrics` (off only to measure what metrics cost).
    public var metrics = true
    /// Credential, clock bounds, connection limits and TLS of every server and client.
    public var security = SecuritySettings()
    /// The Order Queue's write-ahead log and bound.
    public var queueStore = QueueStoreSettings()
    /// Restarts by `bookstore up` and trace rotation.
    public var supervision = SupervisionSettings()
    /// The run every host of a cluster traces into (`<tracesRoot>/<runID>/`); `BOOKSTORE_RUN_ID` overrides it.
    /// nil: `bookstore up` makes a new id, `bookstore serve` uses `manual`.
    public var runID: String?
    /// The OpenTelemetry collector every service sends its spans to as they complete (OTLP/HTTP, JSON), as a base
    /// URL (`http://127.0.0.1:4318`: `/v1/traces` is appended). nil: no live export, unless the environment sets
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (which take precedence).
    public var otlpEndpoint: String?

    public init() {}

    /// The endpoint of a service by its role name (`orchestrator`, `verification`, …).
    public func endpoint(of role: ServiceRole) -> Endpoint {
        switch role {
        case .orchestrator: return orchestrator
        case .verification: return verification
        case .fraud: return fraud
        case .suggestions: return suggestions
        case .queue: return queue
        }
    }

    /// Reads a config file; missing keys keep their defaults, and relative paths in it (the fraud model, the
    /// traces root, the queue's data directory, the secret and TLS files) are taken from the file's folder.
    public static func load(path: String) throws -> ClusterConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            let folder = (ConfigPaths.absolute(path) as NSString).deletingLastPathComponent
            let config = try JSONDecoder().decode(ClusterConfig.self, from: data).resolvingPaths(against: folder)
            if let problem = config.addressProblem() ?? config.executors.timingProblem() {
                throw ConfigError(path: path, reason: problem)
            }
            return config
        } catch let error as DecodingError {
            throw ConfigError(path: path, reason: "\(error)")
        }
    }

    public init(from decoder: any Decoder) throws {
        let defaults = ClusterConfig()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        orchestrator = try value(.orchestrator, defaults.orchestrator)
        verification = try value(.verification, defaults.verification)
        fraud = try value(.fraud, defaults.fraud)
        suggestions = try value(.suggestions, defaults.suggestions)
        queue = try value(.queue, defaults.queue)
        deadlines = try value(.deadlines, defaults.deadlines)
        fraudModel = try value(.fraudModel, defaults.fraudModel)
        priority = try value(.priority, defaults.priority)
        suggestionCount = try value(.suggestionCount, defaults.suggestionCount)
        fanOutBatch = try value(.fanOutBatch, defaults.fanOutBatch)
        serverThreads = try value(.serverThreads, defaults.serverThreads)
        orchestratorThreads = try value(.orchestratorThreads, defaults.orchestratorThreads)
        threadPerConnection = try value(.threadPerConnection, defaults.threadPerConnection)
        tracesRoot = try value(.tracesRoot, defaults.tracesRoot)
        executors = try value(.executors, defaults.executors)
        metrics = try value(.metrics, defaults.metrics)
        security = try value(.security, defaults.security)
        queueStore = try value(.queueStore, defaults.queueStore)
        supervision = try value(.supervision, defaults.supervision)
        runID = try container.decodeIfPresent(String.self, forKey: .runID)
        otlpEndpoint = try container.decodeIfPresent(String.self, forKey: .otlpEndpoint)
    }
}

/// The orchestrator's shared calls to verification, fraud and suggestions (`CheckoutFanOut`): a checkout whose
/// calls find a free slot sends them at once; checkouts that arrive while every slot is busy wait and go together,
/// in one `verifyBatch`, `assessBatch` and `suggestBatch` call each. A waiting checkout waits at most for the batch
/// in flight (itself bounded by the services' deadlines) before its own batch leaves with those deadlines. Orders
/// whose encoded envelope is over 512 KiB ÷ `maxItems` (at most 16 KiB) always go alone. The orchestrator's
/// enqueues of approved orders (`OrderEnqueuer`, `enqueueBatch`) share calls with the same settings.
public struct FanOutBatchSettings: Codable, Sendable, Equatable {
    /// Most checkouts in one batch (1: no batching, every checkout makes its own calls). At most
    /// `BatchParams.maxItems` (64).
    public var maxItems: Int
    /// Most batches in flight to the services at once (at most 64).
    public var maxInFlight: Int

    /// The values a config file may give each setting.
    static let itemBounds = 1...BatchParams<OrderEnvelope>.maxItems
    static let inFlightBounds = 1...64

    public init(maxItems: Int = 16, maxInFlight: Int = 1) {
        self.maxItems = maxItems
        self.maxInFlight = maxInFlight
    }

    public init(from decoder: any Decoder) throws {
        let defaults = FanOutBatchSettings()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxItems = try container.decodeIfPresent(Int.self, forKey: .maxItems) ?? defaults.maxItems
        maxInFlight = try container.decodeIfPresent(Int.self, forKey: .maxInFlight) ?? defaults.maxInFlight
        guard Self.itemBounds.contains(maxItems), Self.inFlightBounds.contains(maxInFlight) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription:
                        "fanOutBatch: maxItems must be \(Self.itemBounds), maxInFlight \(Self.inFlightBounds)"))
        }
    }
}

/// The executor replicas and the timing of their election, leases and work.
public struct ExecutorSettings: Codable, Sendable, Equatable {
    /// One executor: a unique numeric id (higher wins the election) and where it listens.
    public struct Replica: Codable, Sendable, Equatable {
        public var id: Int
        /// The advertised address (what peers and the queue dial).
        public var address: String
        /// Where it binds (nil: see `ClusterConfig.Endpoint.listen`).
        public var listen: String?
        public init(id: Int, address: String, listen: String? = nil) {
            self.id = id
            self.address = address
            self.listen = listen
        }
        /// The node id in traces and clocks.
        public var node: String { "executor-\(id)" }
        public var endpoint: ClusterConfig.Endpoint { .init(id: node, address: address, listen: listen) }
    }

    public var replicas = [
        Replica(id: 1, address: "127.0.0.1:9201"), Replica(id: 2, address: "127.0.0.1:9202"),
        Replica(id: 3, address: "127.0.0.1:9203"),
    ]
    /// How often the leader sends heartbeats (slow: a killed leader is noticed through the followers' watches).
    public var heartbeatMs = 350
    /// The failure detector's floor: a leader silent this long on a quiet machine is suspected (then probed).
    public var leaderTimeoutMs = 1000
    public var electionTimeoutMs = 40
    public var coordinatorTimeoutMs = 200
    /// The adaptive failure detector's ceiling (it widens `leaderTimeoutMs` under jitter or local starvation).
    public var maxLeaderTimeoutMs = 2000
    /// False: a fixed `leaderTimeoutMs` (no phi-accrual, no local health widening).
    public var adaptiveFailureDetector = true
    /// Deadline of the `status` probe of a suspected leader before an election (0: elect on suspicion at once).
    public var probeTimeoutMs = 100
    /// How long a leader holds each follower's `watch` of it (0: no watches; a kill then waits for the detector).
    public var watchHoldMs = 5000
    /// How long an executor may hold an order before the queue gives it to someone else.
    public var leaseMs = 1500
    /// How long "executing" one order takes.
    public var processingMs = 10
    /// How long an idle leader waits before asking the queue again.
    public var pollMs = 10
    /// Deadline of election messages between executors.
    public var messageDeadlineMs = 100
    /// Work slots of the leader (each with its own lease calls and acks).
    public var executorConcurrency = 8
    /// Orders one slot may take with one lease (a batch lease its ack carries; each order under its own fenced
    /// lease, all acknowledged in one call): the leader works on up to `executorConcurrency` × this at once.
    public var executorLeaseBatch = 16

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        replicas = try value(.replicas, replicas)
        heartbeatMs = try value(.heartbeatMs, heartbeatMs)
        leaderTimeoutMs = try value(.leaderTimeoutMs, leaderTimeoutMs)
        electionTimeoutMs = try value(.electionTimeoutMs, electionTimeoutMs)
        coordinatorTimeoutMs = try value(.coordinatorTimeoutMs, coordinatorTimeoutMs)
        maxLeaderTimeoutMs = try value(.maxLeaderTimeoutMs, maxLeaderTimeoutMs)
        adaptiveFailureDetector = try value(.adaptiveFailureDetector, adaptiveFailureDetector)
        probeTimeoutMs = try value(.probeTimeoutMs, probeTimeoutMs)
        watchHoldMs = try value(.watchHoldMs, watchHoldMs)
        leaseMs = try value(.leaseMs, leaseMs)
        processingMs = try value(.processingMs, processingMs)
        pollMs = try value(.pollMs, pollMs)
        messageDeadlineMs = try value(.messageDeadlineMs, messageDeadlineMs)
        executorConcurrency = try value(.executorConcurrency, executorConcurrency)
        executorLeaseBatch = try value(.executorLeaseBatch, executorLeaseBatch)
    }

    /// The replica with `id`.
    public func replica(_ id: Int) -> Replica? { replicas.first { $0.id == id } }
}

extension ClusterConfig.Deadlines {
    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        verificationMs = try container.decodeIfPresent(Int.self, forKey: .verificationMs) ?? verificationMs
        fraudMs = try container.decodeIfPresent(Int.self, forKey: .fraudMs) ?? fraudMs
        suggestionsMs = try container.decodeIfPresent(Int.self, forKey: .suggestionsMs) ?? suggestionsMs
        queueMs = try container.decodeIfPresent(Int.self, forKey: .queueMs) ?? queueMs
    }
}

/// A configuration file (or an environment variable overriding it, named `$NAME` in `path`) that cannot be used.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "config \(path): \(reason)" }
}

/// The services of the checkout path.
public enum ServiceRole: String, CaseIterable, Sendable, Codable {
    case orchestrator, verification, fraud, suggestions, queue
}

/// `host:port`, parsed.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`:port` alone means all interfaces).
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String { "\(host):\(port)" }
}
