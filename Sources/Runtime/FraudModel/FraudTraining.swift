import Checkout
import Foundation
import SeededRandom

/// The whole training run behind `bookstore fraud train`: generate, split, train, choose the threshold,
/// evaluate on the holdout through the serving path, write the model and its metadata.
public enum FraudTraining {
    /// What to train.
    public struct Configuration: Sendable {
        /// The seed of the committed model.
        public static let defaultSeed: UInt64 = 20_240_917

        public var seed: UInt64
        public var rows: Int
        /// Model file (`.json`); the metadata goes to `FraudModelMetadata.path(forModel:)`.
        public var outputPath: String
        public var parameters: FraudModelTrainer.Parameters
        public var generator: SyntheticOrders

        public init(
            seed: UInt64 = defaultSeed, rows: Int = 20_000, rounds: Int = 50, outputPath: String,
            generator: SyntheticOrders = SyntheticOrders()
        ) {
            self.seed = seed
            self.rows = rows
            self.outputPath = outputPath
            self.parameters = FraudModelTrainer.Parameters(rounds: rounds, seed: seed)
            self.generator = generator
        }
    }

    /// Results of a run.
    public struct Report: Sendable {
        public var metadata: FraudModelMetadata
        public var modelPath: String
        public var metadataPath: String
        public var trainRows: Int
        public var validationRows: Int
        public var holdoutRows: Int
        /// Fraction of rows labelled fraud (after label noise).
        public var labelRate: Double
        /// Validation metrics at the chosen threshold.
        public var validation: ConfusionMatrix
        /// Holdout AUC against the generating population instead of the noisy labels.
        public var holdoutAUCWithoutNoise: Double
        /// Wall time of each step, in order.
        public var timings: [(step: String, duration: Duration)]
    }

    /// Share of all rows held out for the final evaluation.
    public static let holdoutShare = 0.2
    /// Share of the remaining rows used to choose the threshold (the model never trains on them).
    public static let validationShare = 0.2
    public static let thresholdRule = "maximum F1 on the validation split"

    /// Runs the configuration and writes the model and metadata files.
    public static func run(_ configuration: Configuration) throws -> Report {
        guard configuration.rows >= 100 else { throw FraudModelError.invalidTrainingData("need at least 100 rows") }
        let clock = ContinuousClock()
        var timings: [(String, Duration)] = []
        func timed<T>(_ step: String, _ body: () throws -> T) rethrows -> T {
            let start = clock.now
            let value = try body()
            timings.append((step, clock.now - start))
            return value
        }

        // One seeded stream: data first, then the shuffle that splits it.
        var random = SplitMix64(seed: configuration.seed)
        let (rows, labels, truth) = timed("generate \(configuration.rows) orders + features") {
            let orders = configuration.generator.generate(count: configuration.rows, using: &random)
            return (orders.map { $0.features.vector }, orders.map(\.isFraud), orders.map(\.generatedAsFraud))
        }
        let shuffled = Array(rows.indices).shuffled(using: &random)
        let holdoutCount = Int(Double(rows.count) * holdoutShare)
        let validationCount = Int(Double(rows.count - holdoutCount) * validationShare)
        let holdout = Array(shuffled.prefix(holdoutCount))
        let validation = Array(shuffled.dropFirst(holdoutCount).prefix(validationCount))
        let train = Array(shuffled.dropFirst(holdoutCount + validationCount))

        let trainer = FraudModelTrainer(parameters: configuration.parameters)
        let booster = try timed("train \(configuration.parameters.rounds) rounds on \(train.count) rows") {
            try trainer.train(rows: train.map { rows[$0] }, labels: train.map { labels[$0] })
        }
        let validationLabels = validation.map { labels[$0] }
        let validationScores = try booster.predict(validation.map { rows[$0] })
        let threshold = ClassificationMetrics.thresholdMaximizingF1(scores: validationScores, labels: validationLabels)

        let modelPath = configuration.outputPath
        let directory = URL(fileURLWithPath: modelPath).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try timed("save model") { try booster.save(to: modelPath) }

        // Evaluate the saved file through the serving path, as the fraud service will use it.
        let model = try timed("load model") { try FraudModel(modelPath: modelPath, threshold: threshold) }
        let holdoutScores = try timed("score \(holdout.count) holdout rows one by one") {
            try holdout.map { try model.probability(of: rows[$0]) }
        }
        let holdoutLabels = holdout.map { labels[$0] }
        let confusion = ConfusionMatrix(scores: holdoutScores, labels: holdoutLabels, threshold: threshold)
        let metadata = FraudModelMetadata(
            threshold: threshold, thresholdRule: thresholdRule, features: OrderFeatures.names,
            seed: configuration.seed, rows: configuration.rows, rounds: configuration.parameters.rounds,
            parameters: configuration.parameters,
            holdout: .init(
                auc: ClassificationMetrics.auc(scores: holdoutScores, labels: holdoutLabels) ?? .nan,
                precision: confusion.precision, recall: confusion.recall, confusion: confusion))
        let metadataPath = FraudModelMetadata.path(forModel: modelPath)
        try metadata.write(to: metadataPath)

        return Report(
            metadata: metadata, modelPath: modelPath, metadataPath: metadataPath, trainRows: train.count,
            validationRows: validation.count, holdoutRows: holdout.count,
            labelRate: Double(labels.filter { $0 }.count) / Double(labels.count),
            validation: ConfusionMatrix(scores: validationScores, labels: validationLabels, threshold: threshold),
            holdoutAUCWithoutNoise: ClassificationMetrics.auc(
                scores: holdoutScores, labels: holdout.map { truth[$0] }) ?? .nan,
            timings: timings)
    }
}
