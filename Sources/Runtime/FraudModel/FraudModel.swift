import CXGBoost
import Checkout
import Foundation
import Synchronization

/// The trained fraud model, loaded for serving: `score` gives the probability of fraud for an order's features.
///
/// `Sendable` and safe to call from many threads at once:
/// - the booster is only read after `init` (XGBoost's gbtree prediction is thread-safe since 1.4; `init` runs a
///   warm-up prediction so the learner is fully configured before it is shared, and nothing trains or sets
///   parameters on it later);
/// - `XGBoosterPredictFromDense` stores the row in a proxy DMatrix, so each call checks a proxy out of a small
///   pool under a lock and returns it afterwards: a proxy is used by one thread at a time, and the pool grows to
///   the number of threads that score concurrently;
/// - the result buffer is XGBoost's per-thread scratch space and is copied before the call returns.
public final class FraudModel: Sendable {
    /// A C handle shared across threads. `@unchecked` because raw pointers are not `Sendable`; the rules above
    /// say which thread may use which handle.
    struct Handle: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
    }

    /// The file the model was loaded from.
    public let modelPath: String
    /// Orders scoring at or above this are fraud (usually `FraudModelMetadata.threshold`).
    public let threshold: Double
    private let booster: Handle
    private let proxies = Mutex<[Handle]>([])

    /// Inference config for `XGBoosterPredictFromDense`: plain probabilities from all trees. XGBoost 1.7.4 needs
    /// `cache_id` (it fails with "Invalid cast, from Null to Integer" without it).
    static let predictConfig =
        #"{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "#
        + #""missing": NaN, "cache_id": 0}"#

    /// Loads the XGBoost model at `modelPath` for serving with `threshold`.
    ///
    /// Throws `FraudModelError.modelFileMissing` when there is no file, `.invalidModel` when XGBoost cannot load
    /// it or it does not take `OrderFeatures.names.count` features, and rejects thresholds outside 0…1.
    public init(modelPath: String, threshold: Double) throws(FraudModelError) {
        guard FileManager.default.fileExists(atPath: modelPath) else { throw .modelFileMissing(path: modelPath) }
        guard threshold.isFinite, (0...1).contains(threshold) else {
            throw .invalidModel(path: modelPath, reason: "threshold \(threshold) is not within 0…1")
        }
        XGBoostAPI.lock.lock()
        defer { XGBoostAPI.lock.unlock() }
        var raw: BoosterHandle?
        try checkXGBoost(XGBoosterCreate(nil, 0, &raw), "XGBoosterCreate")
        guard let raw else { throw .xgboost(call: "XGBoosterCreate", message: "returned no booster") }
        guard XGBoosterLoadModel(raw, modelPath) == 0 else {
            let reason = lastXGBoostError()
            XGBoosterFree(raw)
            throw .invalidModel(path: modelPath, reason: reason)
        }
        self.modelPath = modelPath
        self.threshold = threshold
        booster = Handle(raw: raw)
        // From here on `deinit` frees the booster.
        // One thread per prediction: with more, OpenMP's wait policy made a single-row predict ~15× slower.
        try checkXGBoost(XGBoosterSetParam(raw, "nthread", "1"), "XGBoosterSetParam(nthread=1)")
        var features: UInt64 = 0
        try checkXGBoost(XGBoosterGetNumFeature(raw, &features), "XGBoosterGetNumFeature")
        guard features == OrderFeatures.names.count else {
            let expected = OrderFeatures.names.count
            throw .invalidModel(path: modelPath, reason: "it takes \(features) features, OrderFeatures has \(expected)")
        }
        _ = try probability(of: [Float](repeating: 0, count: OrderFeatures.names.count))
    }

    /// Loads the model at `modelPath` with the threshold from its metadata file (`FraudModelMetadata.path`).
    public convenience init(modelPath: String) throws(FraudModelError) {
        let metadata = try FraudModelMetadata.load(from: FraudModelMetadata.path(forModel: modelPath))
        try self.init(modelPath: modelPath, threshold: metadata.threshold)
    }

    /// `FraudModel(modelPath:)`: the model at `modelPath` with the threshold from `<model>.meta.json`.
    /// This is how the fraud service loads it; it throws (and the service refuses to start) when either is
    /// missing or invalid.
    public static func load(modelPath: String) throws(FraudModelError) -> FraudModel {
        try FraudModel(modelPath: modelPath)
    }

    deinit {
        let pooled = proxies.withLock { pool in
            defer { pool.removeAll() }
            return pool.map { FreeableHandle(raw: $0.raw) }
        }
        XGBoostAPI.freeMatrices(pooled)
        XGBoostAPI.freeBooster(FreeableHandle(raw: booster.raw))
    }

    /// The probability (0…1) that the order with these features is fraud.
    ///
    /// Fails closed: if XGBoost reports an error (which the warm-up prediction in `init` rules out for a model
    /// that loaded), the result is 1, so the order is rejected rather than waved through.
    public func score(_ features: OrderFeatures) -> Double {
        (try? probability(of: features.vector)) ?? 1
    }

    /// `score(OrderFeatures(order))`.
    public func score(_ order: CheckoutRequest) -> Double { score(OrderFeatures(order)) }

    /// Whether `score` reaches the threshold.
    public func isFraud(_ features: OrderFeatures) -> Bool { score(features) >= threshold }

    /// The scores of several orders' features, in one prediction (XGBoost's cost per call — its JSON arguments,
    /// the proxy matrix — is paid once); each is what `score` gives for that order alone. Fails closed like
    /// `score`: every score is 1 if XGBoost reports an error.
    public func scores(_ features: [OrderFeatures]) -> [Double] {
        guard !features.isEmpty else { return [] }
        return (try? probabilities(of: features.flatMap(\.vector), rows: features.count))
            ?? Array(repeating: 1, count: features.count)
    }

    /// The probability for one feature row (`OrderFeatures.vector` order), with XGBoost errors thrown.
    public func probability(of row: [Float]) throws(FraudModelError) -> Double {
        try probabilities(of: row, rows: 1)[0]
    }

    /// The probabilities of `rows` feature rows laid end to end in `values` (row-major).
    func probabilities(of values: [Float], rows: Int) throws(FraudModelError) -> [Double] {
        let width = OrderFeatures.names.count
        guard rows > 0, values.count == rows * width else {
            throw .invalidTrainingData("\(values.count) values for \(rows) rows: the model takes \(width) a row")
        }
        let proxy = try checkOutProxy()
        defer { proxies.withLock { $0.append(proxy) } }
        return try values.withUnsafeBufferPointer { buffer throws(FraudModelError) -> [Double] in
            // numpy's __array_interface__, which XGBoost reads the rows through: address, shape, little-endian f32.
            let address = UInt(bitPattern: buffer.baseAddress)
            let interface =
                #"{"data": [\#(address), true], "shape": [\#(rows), \#(width)], "typestr": "<f4", "version": 3}"#
            var shape: UnsafePointer<UInt64>?
            var dimensions: UInt64 = 0
            var result: UnsafePointer<Float>?
            try checkXGBoost(
                XGBoosterPredictFromDense(
                    booster.raw, interface, Self.predictConfig, proxy.raw, &shape, &dimensions, &result),
                "XGBoosterPredictFromDense")
            guard let result, let shape, dimensions >= 1, shape[0] == UInt64(rows) else {
                throw .xgboost(call: "XGBoosterPredictFromDense", message: "returned no result for \(rows) rows")
            }
            return (0..<rows).map { Double(result[$0]) }
        }
    }

    /// A proxy DMatrix for this call's exclusive use (from the pool, or a new one).
    private func checkOutProxy() throws(FraudModelError) -> Handle {
        if let pooled = proxies.withLock({ $0.popLast() }) { return pooled }
        var raw: DMatrixHandle?
        try checkXGBoost(XGProxyDMatrixCreate(&raw), "XGProxyDMatrixCreate")
        guard let raw else { throw .xgboost(call: "XGProxyDMatrixCreate", message: "returned no proxy") }
        return Handle(raw: raw)
    }
}
