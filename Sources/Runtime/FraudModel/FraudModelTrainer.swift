import CXGBoost
import Checkout

/// Trains gradient-boosted trees (XGBoost `binary:logistic`) on order feature rows.
public struct FraudModelTrainer: Sendable {
    /// XGBoost training parameters (the ones this project sets; XGBoost's defaults for the rest).
    public struct Parameters: Sendable, Equatable, Codable {
        public var rounds: Int
        public var maxDepth: Int
        /// Learning rate (`eta`).
        public var eta: Double
        /// Fraction of rows sampled for each tree.
        public var subsample: Double
        public var minChildWeight: Double
        /// XGBoost's own random seed (row subsampling).
        public var seed: UInt64
        /// Training threads; results are the same for any value with `tree_method` `hist`.
        public var threads: Int

        public init(
            rounds: Int = 50, maxDepth: Int = 4, eta: Double = 0.2, subsample: Double = 0.8,
            minChildWeight: Double = 1, seed: UInt64 = 42, threads: Int = 1
        ) {
            self.rounds = rounds
            self.maxDepth = maxDepth
            self.eta = eta
            self.subsample = subsample
            self.minChildWeight = minChildWeight
            self.seed = seed
            self.threads = threads
        }

        /// The parameters as XGBoost `name=value` pairs, in the order they are set. The seed is reduced modulo
        /// `Int32.max` because XGBoost parses it as a signed integer.
        public var xgboostParameters: [(name: String, value: String)] {
            [
                ("objective", "binary:logistic"), ("eval_metric", "auc"), ("tree_method", "hist"),
                ("max_depth", String(maxDepth)), ("eta", String(eta)), ("subsample", String(subsample)),
                ("min_child_weight", String(minChildWeight)), ("seed", String(seed % UInt64(Int32.max))),
                ("nthread", String(threads)),
            ]
        }
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// Trains on `rows` (each `OrderFeatures.vector`-shaped) with labels (true = fraud).
    public func train(rows: [[Float]], labels: [Bool]) throws(FraudModelError) -> TrainedBooster {
        XGBoostAPI.lock.lock()
        defer { XGBoostAPI.lock.unlock() }
        guard parameters.rounds > 0 else { throw .invalidTrainingData("rounds must be positive") }
        guard labels.contains(true), labels.contains(false) else {
            throw .invalidTrainingData("labels must contain both classes")
        }
        let matrix = try DMatrix(rows: rows, labels: labels)
        let booster = try TrainedBooster(training: matrix)
        for (name, value) in parameters.xgboostParameters {
            try checkXGBoost(XGBoosterSetParam(booster.handle, name, value), "XGBoosterSetParam(\(name)=\(value))")
        }
        for round in 0..<parameters.rounds {
            try checkXGBoost(
                XGBoosterUpdateOneIter(booster.handle, Int32(round), matrix.handle), "XGBoosterUpdateOneIter(\(round))")
        }
        return booster
    }
}

/// A booster fresh from training: batch prediction for evaluation, and saving.
///
/// Not `Sendable`: use it from one thread. Serve saved models with `FraudModel`.
public final class TrainedBooster {
    let handle: BoosterHandle
    /// Keeps the training matrix alive as long as the booster that references it.
    private let training: DMatrix

    init(training: DMatrix) throws(FraudModelError) {
        var raw: BoosterHandle?
        var matrices: [DMatrixHandle?] = [training.handle]
        try checkXGBoost(XGBoosterCreate(&matrices, 1, &raw), "XGBoosterCreate")
        guard let raw else { throw .xgboost(call: "XGBoosterCreate", message: "returned no booster") }
        handle = raw
        self.training = training
    }

    deinit {
        XGBoostAPI.freeBooster(FreeableHandle(raw: handle))
    }

    /// Boosting rounds in the model.
    public var rounds: Int {
        var count: Int32 = 0
        return XGBoosterBoostedRounds(handle, &count) == 0 ? Int(count) : 0
    }

    /// Fraud probabilities (0…1) for `rows`, in order.
    public func predict(_ rows: [[Float]]) throws(FraudModelError) -> [Double] {
        XGBoostAPI.lock.lock()
        defer { XGBoostAPI.lock.unlock() }
        guard !rows.isEmpty else { return [] }
        let matrix = try DMatrix(rows: rows)
        var length: UInt64 = 0
        var result: UnsafePointer<Float>?
        try checkXGBoost(XGBoosterPredict(handle, matrix.handle, 0, 0, 0, &length, &result), "XGBoosterPredict")
        guard let result, Int(length) == rows.count else {
            throw .xgboost(call: "XGBoosterPredict", message: "returned \(length) values for \(rows.count) rows")
        }
        // The buffer belongs to XGBoost and is reused by the next call: copy it now.
        return (0..<rows.count).map { Double(result[$0]) }
    }

    /// Writes the model to `path`; a `.json` extension selects XGBoost's JSON format.
    public func save(to path: String) throws(FraudModelError) {
        XGBoostAPI.lock.lock()
        defer { XGBoostAPI.lock.unlock() }
        try checkXGBoost(XGBoosterSaveModel(handle, path), "XGBoosterSaveModel(\(path))")
    }
}
