import Foundation

/// Who may speak on internal RPCs, and the bounds every server puts on what it reads.
public struct SecuritySettings: Codable, Sendable, Equatable {
    /// A file holding the cluster secret that internal RPCs present (`BOOKSTORE_CLUSTER_SECRET` or
    /// `BOOKSTORE_CLUSTER_SECRET_FILE` in the environment override it; `bookstore up` generates one per run).
    public var secretFile: String?
    /// Most entries a vector clock from the wire may carry.
    public var maxClockEntries = 32
    /// Node ids besides the configured services and executors whose clocks are accepted from authenticated
    /// callers: traced external clients such as the load generator (each traced `bookstore load` process takes the
    /// first of the `load`, `load-N` ids here that no other live process is tracing under in the run).
    public var externalNodes = ["load", "load-2", "load-3", "load-4"]
    /// Connections one source address may hold open on a server.
    public var connectionsPerIP = 64
    /// Connections a server holds open at most.
    public var maxConnections = 512
    /// Seconds a connection may take to send a request's headers and body (and stay idle between requests).
    public var requestTimeoutSeconds = 10
    /// Optional TLS for internal RPCs (nil: plain HTTP on the cluster's network).
    public var tls: TLSSettings?

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        secretFile = try container.decodeIfPresent(String.self, forKey: .secretFile)
        maxClockEntries = try container.decodeIfPresent(Int.self, forKey: .maxClockEntries) ?? maxClockEntries
        externalNodes = try container.decodeIfPresent([String].self, forKey: .externalNodes) ?? externalNodes
        connectionsPerIP = try container.decodeIfPresent(Int.self, forKey: .connectionsPerIP) ?? connectionsPerIP
        maxConnections = try container.decodeIfPresent(Int.self, forKey: .maxConnections) ?? maxConnections
        requestTimeoutSeconds =
            try container.decodeIfPresent(Int.self, forKey: .requestTimeoutSeconds) ?? requestTimeoutSeconds
        tls = try container.decodeIfPresent(TLSSettings.self, forKey: .tls)
    }
}

/// Certificate, key and trusted CA of the cluster's TLS (PEM files).
public struct TLSSettings: Codable, Sendable, Equatable {
    public var certificateFile: String
    public var keyFile: String
    /// The CA that signed every service's certificate; clients verify servers against it.
    public var caFile: String

    public init(certificateFile: String, keyFile: String, caFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.caFile = caFile
    }
}

/// The Order Queue's durability and bounds.
public struct QueueStoreSettings: Codable, Sendable, Equatable {
    /// Where the write-ahead log and snapshots live. nil: `<run>/queue-data` under `bookstore up`,
    /// `data/queue` for `bookstore serve queue`.
    public var dataDir: String?
    /// Write and fsync the log before `enqueue` answers (false only to measure what durability costs).
    public var durable = true
    /// Orders that may wait at most; past it `enqueue` is refused as overloaded.
    public var maxWaiting = 10_000
    /// Log records after which a snapshot is written and the log truncated.
    public var snapshotEveryRecords = 50_000

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataDir = try container.decodeIfPresent(String.self, forKey: .dataDir)
        durable = try container.decodeIfPresent(Bool.self, forKey: .durable) ?? durable
        maxWaiting = try container.decodeIfPresent(Int.self, forKey: .maxWaiting) ?? maxWaiting
        snapshotEveryRecords =
            try container.decodeIfPresent(Int.self, forKey: .snapshotEveryRecords) ?? snapshotEveryRecords
    }
}

/// How `bookstore up` keeps services running.
public struct SupervisionSettings: Codable, Sendable, Equatable {
    /// Wait before the first restart of a service; doubled after each restart in the window.
    public var backoffMs = 100
    /// The longest wait between restarts.
    public var maxBackoffMs = 2_000
    /// Restarts of one service within `windowSeconds` after which the supervisor gives up on it.
    public var maxRestarts = 10
    public var windowSeconds = 60
    /// Trace files are rotated to a new segment past this size (bytes).
    public var traceSegmentBytes = 64 << 20

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        backoffMs = try container.decodeIfPresent(Int.self, forKey: .backoffMs) ?? backoffMs
        maxBackoffMs = try container.decodeIfPresent(Int.self, forKey: .maxBackoffMs) ?? maxBackoffMs
        maxRestarts = try container.decodeIfPresent(Int.self, forKey: .maxRestarts) ?? maxRestarts
        windowSeconds = try container.decodeIfPresent(Int.self, forKey: .windowSeconds) ?? windowSeconds
        traceSegmentBytes = try container.decodeIfPresent(Int.self, forKey: .traceSegmentBytes) ?? traceSegmentBytes
    }
}
