import Foundation

extension LoadGenerator {
    /// What a run found. Latency percentiles are from HdrHistograms, measured from each request's intended send
    /// time (in a closed loop: from when it was sent).
    public struct Report: Codable, Sendable {
        /// `closed` (each client sends when its previous order is answered) or `open` (a fixed schedule).
        public var mode: String
        public var orders: Int
        /// Clients: threads, each with its own keep-alive connection.
        public var concurrency: Int
        public var seconds: Double
        /// Orders finished per second over the run (the achieved rate).
        public var ordersPerSecond: Double
        /// The open loop's intended rate (nil in a closed loop).
        public var intendedRate: Double?
        public var p50Ms: Double
        public var p90Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
        /// Percentiles from when each request really left (what a tool with coordinated omission reports); the
        /// same as the latency in a closed loop.
        public var serviceP50Ms: Double
        public var serviceP99Ms: Double
        /// How late requests left after their intended time (0 in a closed loop).
        public var sendLagP99Ms: Double
        public var sendLagMaxMs: Double
        /// Requests that left more than 1 ms after their intended time.
        public var lateSends: Int
        /// True when over 1 % of the requests left late: the generator could not keep to the schedule with its
        /// clients (its latencies still count from the intended times).
        public var fellBehind: Bool
        /// Counts by outcome: `approved`, `rejected`, `http_<status>`, `transport_error`.
        public var outcomes: [String: Int]
        /// Counts by the kind of order sent.
        public var sent: [String: Int]
        /// Orders whose outcome differed from what their kind was built for.
        public var unexpected: Int
        /// Ids of approved orders (for checking that each was committed).
        public var approvedOrderIDs: [String]
        /// Requests sent again after a 503, a 409 "still in progress" or a transport failure (same key).
        public var retries: Int
        /// Orders that needed at least one retry.
        public var retriedOrders: Int
        /// Orders still without a decision after the last retry (their outcome is the last failure).
        public var gaveUp: Int

        init(schedule: OpenLoopSchedule?, orders: Int, concurrency: Int, seconds: Double, counts: LoadTally.Counts) {
            let timing = counts.timing
            typealias Accounting = LatencyAccounting
            mode = schedule == nil ? "closed" : "open"
            self.orders = orders
            self.concurrency = concurrency
            self.seconds = seconds
            ordersPerSecond = seconds > 0 ? Double(orders) / seconds : 0
            intendedRate = schedule?.rate
            p50Ms = Accounting.milliseconds(timing.latency, percentile: 50)
            p90Ms = Accounting.milliseconds(timing.latency, percentile: 90)
            p99Ms = Accounting.milliseconds(timing.latency, percentile: 99)
            maxMs = Accounting.maxMilliseconds(timing.latency)
            serviceP50Ms = Accounting.milliseconds(timing.service, percentile: 50)
            serviceP99Ms = Accounting.milliseconds(timing.service, percentile: 99)
            sendLagP99Ms = Accounting.milliseconds(timing.lag, percentile: 99)
            sendLagMaxMs = Accounting.maxMilliseconds(timing.lag)
            lateSends = timing.lateSends
            fellBehind = timing.fellBehind
            outcomes = counts.outcomes
            sent = counts.sent
            unexpected = counts.unexpected
            approvedOrderIDs = counts.approved.sorted()
            retries = counts.retries
            retriedOrders = counts.retriedOrders
            gaveUp = counts.gaveUp
        }
    }
}
