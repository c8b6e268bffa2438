import ArgumentParser
import FraudModel

/// `bookstore fraud`: the fraud model's tools.
struct FraudCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fraud",
        abstract: "Train and inspect the XGBoost fraud model.",
        subcommands: [FraudTrainCommand.self]
    )
}

/// `bookstore fraud train`: trains the model on seeded synthetic orders and writes it with its metadata.
struct FraudTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Generate synthetic orders, train the fraud model, choose its threshold, evaluate on a holdout.",
        discussion: """
            Splits the rows 64/16/20 (train / validation / holdout) with the seeded generator, picks the threshold \
            with the best F1 on validation, and writes the model (XGBoost JSON) and <name>.meta.json next to it. \
            See docs/fraud-model.md.
            """
    )

    @Option(help: "Seed of the synthetic data, the split and XGBoost's subsampling.")
    var seed: UInt64 = FraudTraining.Configuration.defaultSeed

    @Option(help: "Synthetic orders to generate.")
    var rows: Int = 20_000

    @Option(help: "Boosting rounds.")
    var rounds: Int = 50

    /// Where a model goes unless `--output` says otherwise: next to the committed model, never over it.
    static let defaultOutput = "models/fraud-model.trained.json"
    static let committedModel = "models/fraud-model.json"

    @Option(
        help: ArgumentHelp(
            "Model file (.json); the metadata goes to <name>.meta.json (default: \(defaultOutput), git-ignored).",
            discussion: "The committed model is replaced only when asked for: --output \(committedModel)."))
    var output: String = defaultOutput

    func validate() throws {
        guard rows >= 100 else { throw ValidationError("--rows must be at least 100") }
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        guard output.hasSuffix(".json") else { throw ValidationError("--output must end in .json") }
    }

    func run() throws {
        let report = try FraudTraining.run(
            .init(seed: seed, rows: rows, rounds: rounds, outputPath: output))
        let metadata = report.metadata
        let matrix = metadata.holdout.confusion
        print(
            """
            rows \(metadata.rows) (fraud labels \(percent(report.labelRate))): train \(report.trainRows), \
            validation \(report.validationRows), holdout \(report.holdoutRows); seed \(metadata.seed), \
            rounds \(metadata.rounds)
            threshold \(fixed(metadata.threshold)) (\(metadata.thresholdRule); validation precision \
            \(fixed(report.validation.precision)), recall \(fixed(report.validation.recall)))
            holdout AUC \(fixed(metadata.holdout.auc)) (\(fixed(report.holdoutAUCWithoutNoise)) against the \
            generating population, without label noise)
            holdout at threshold: precision \(fixed(metadata.holdout.precision)), recall \
            \(fixed(metadata.holdout.recall)), F1 \(fixed(matrix.f1))

                              predicted fraud  predicted legit
              labelled fraud  \(pad(matrix.truePositives))  \(pad(matrix.falseNegatives))
              labelled legit  \(pad(matrix.falsePositives))  \(pad(matrix.trueNegatives))

            """)
        for (step, duration) in report.timings {
            print("  \(pad(milliseconds(duration), width: 9)) ms  \(step)")
        }
        print("wrote \(report.modelPath) and \(report.metadataPath)")
        if output == Self.defaultOutput {
            print(
                """
                the committed model (\(Self.committedModel)) is unchanged: serve this one with "fraudModel" in the \
                config, or train with --output \(Self.committedModel) to replace it
                """)
        }
    }

    private func fixed(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded() / 10_000
        return String(scaled)
    }

    private func percent(_ value: Double) -> String { String((value * 1000).rounded() / 10) + "%" }

    private func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return String((value * 10).rounded() / 10)
    }

    private func pad(_ value: Int) -> String { pad(String(value), width: 15) }

    private func pad(_ text: String, width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
