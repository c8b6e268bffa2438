import Checkout
import Foundation
import Testing

@testable import FraudModel

@Suite struct FraudModelTrainingTests {
    @Test func aSmallModelReachesHoldoutAUCAbove085() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("small.json").path
        let report = try FraudTraining.run(.init(seed: 99, rows: 3000, rounds: 20, outputPath: output))
        #expect(report.metadata.holdout.auc > 0.85)
        #expect(report.holdoutRows == 600)
        #expect(report.trainRows + report.validationRows == 2400)
        #expect(report.metadata.holdout.recall > 0.5)
        #expect(report.metadata.holdout.precision > 0.5)
        // The metadata the service reads is written next to the model.
        let metadata = try FraudModelMetadata.load(from: directory.appendingPathComponent("small.meta.json").path)
        #expect(metadata == report.metadata)
        #expect(metadata.features == OrderFeatures.names)
    }

    @Test func savingAndLoadingGivesIdenticalPredictions() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let orders = SyntheticOrders().generate(count: 1500, seed: 4)
        let rows = orders.map { $0.features.vector }
        let booster = try FraudModelTrainer(parameters: .init(rounds: 15, seed: 4))
            .train(rows: rows, labels: orders.map(\.isFraud))
        #expect(booster.rounds == 15)
        let path = directory.appendingPathComponent("model.json").path
        try booster.save(to: path)

        let model = try FraudModel(modelPath: path, threshold: 0.5)
        let inMemory = try booster.predict(rows)
        let served = orders.map { model.score($0.features) }
        #expect(served == inMemory)
        #expect(served.allSatisfy { (0...1).contains($0) })
        #expect(model.modelPath == path)
        #expect(model.threshold == 0.5)
    }

    @Test func trainingTheSameDataTwiceGivesTheSameModel() throws {
        let orders = SyntheticOrders().generate(count: 800, seed: 12)
        let rows = orders.map { $0.features.vector }
        let trainer = FraudModelTrainer(parameters: .init(rounds: 5, seed: 12))
        let first = try trainer.train(rows: rows, labels: orders.map(\.isFraud)).predict(rows)
        let second = try trainer.train(rows: rows, labels: orders.map(\.isFraud)).predict(rows)
        #expect(first == second)
    }

    @Test func trainingWithOneClassOrMismatchedLabelsThrows() {
        let rows: [[Float]] = Array(repeating: Array(repeating: 0, count: OrderFeatures.names.count), count: 10)
        #expect(throws: FraudModelError.self) {
            try FraudModelTrainer().train(rows: rows, labels: Array(repeating: false, count: 10))
        }
        #expect(throws: FraudModelError.self) {
            try FraudModelTrainer().train(rows: rows, labels: [true, false])
        }
    }

    @Test func xgboostErrorsCarryXGBoostsMessage() throws {
        let rows = SyntheticOrders().generate(count: 200, seed: 1)
        let booster = try FraudModelTrainer(parameters: .init(rounds: 2))
            .train(rows: rows.map { $0.features.vector }, labels: rows.map(\.isFraud))
        let error = #expect(throws: FraudModelError.self) {
            try booster.save(to: "/nonexistent-directory/model.json")
        }
        guard case .xgboost(let call, let message) = error else {
            Issue.record("expected an XGBoost error, got \(String(describing: error))")
            return
        }
        #expect(call.hasPrefix("XGBoosterSaveModel"))
        #expect(!message.isEmpty)
    }
}
