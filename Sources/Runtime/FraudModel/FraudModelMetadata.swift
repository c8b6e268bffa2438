import Foundation

/// What is stored next to a model (`<model>.meta.json`): the serving threshold and how the model was made.
public struct FraudModelMetadata: Codable, Sendable, Equatable {
    /// Holdout metrics at the serving threshold.
    public struct Holdout: Codable, Sendable, Equatable {
        public var auc: Double
        public var precision: Double
        public var recall: Double
        public var confusion: ConfusionMatrix

        public init(auc: Double, precision: Double, recall: Double, confusion: ConfusionMatrix) {
            self.auc = auc
            self.precision = precision
            self.recall = recall
            self.confusion = confusion
        }
    }

    /// Orders scoring at or above this are fraud.
    public var threshold: Double
    /// How `threshold` was chosen.
    public var thresholdRule: String
    /// The model's input columns (`OrderFeatures.names` when trained).
    public var features: [String]
    /// Seed of the synthetic data, the split and XGBoost's subsampling.
    public var seed: UInt64
    /// Generated rows (train + validation + holdout).
    public var rows: Int
    public var rounds: Int
    public var parameters: FraudModelTrainer.Parameters
    public var holdout: Holdout

    public init(
        threshold: Double, thresholdRule: String, features: [String], seed: UInt64, rows: Int, rounds: Int,
        parameters: FraudModelTrainer.Parameters, holdout: Holdout
    ) {
        self.threshold = threshold
        self.thresholdRule = thresholdRule
        self.features = features
        self.seed = seed
        self.rows = rows
        self.rounds = rounds
        self.parameters = parameters
        self.holdout = holdout
    }

    /// The metadata path for a model path: `models/fraud-model.json` → `models/fraud-model.meta.json`.
    public static func path(forModel modelPath: String) -> String {
        modelPath.hasSuffix(".json") ? String(modelPath.dropLast(5)) + ".meta.json" : modelPath + ".meta.json"
    }

    /// Reads metadata written by `write(to:)`.
    public static func load(from path: String) throws(FraudModelError) -> FraudModelMetadata {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidMetadata(path: path, reason: "file not found")
        }
        do {
            return try JSONDecoder().decode(FraudModelMetadata.self, from: data)
        } catch {
            throw .invalidMetadata(path: path, reason: String(describing: error))
        }
    }

    /// Writes the metadata as pretty-printed JSON with sorted keys (stable diffs).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
