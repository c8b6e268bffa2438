import TraceModel

/// The supervisor restarted a service that exited unexpectedly (`service.restarted`).
public struct ServiceRestarted: TraceEventPayload {
    public static let kind = EventKind.serviceRestarted
    public var service: String
    /// Its exit status.
    public var status: Int32?
    /// Restarts within the window.
    public var restarts: Int?
    public var backoffMs: Int?

    public init(service: String, status: Int32?, restarts: Int?, backoffMs: Int?) {
        self.service = service
        self.status = status
        self.restarts = restarts
        self.backoffMs = backoffMs
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["service": .string(service)]
        data.put("status", status)
        data.put("restarts", restarts)
        data.put("backoff_ms", backoffMs)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            service: try fields.required("service") { key throws(PayloadError) in try fields.string(key) },
            status: try fields.integer("status", Int32.self), restarts: try fields.count("restarts"),
            backoffMs: try fields.count("backoff_ms"))
    }
}

/// The supervisor gave up restarting a service (`service.gave_up`).
public struct ServiceGaveUp: TraceEventPayload {
    public static let kind = EventKind.serviceGaveUp
    public var service: String
    public var restarts: Int?
    public var windowSeconds: Int?

    public init(service: String, restarts: Int?, windowSeconds: Int?) {
        self.service = service
        self.restarts = restarts
        self.windowSeconds = windowSeconds
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["service": .string(service)]
        data.put("restarts", restarts)
        data.put("window_s", windowSeconds)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            service: try fields.required("service") { key throws(PayloadError) in try fields.string(key) },
            restarts: try fields.count("restarts"), windowSeconds: try fields.count("window_s"))
    }
}

/// A node begins a clean stop (`node.stopping`).
public struct NodeStopping: TraceEventPayload {
    public static let kind = EventKind.nodeStopping
    public var signal: Int32?

    public init(signal: Int32?) { self.signal = signal }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("signal", signal)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(signal: try fields.integer("signal", Int32.self))
    }
}
