import Checkout
import Foundation
import Synchronization
import Testing

@testable import FraudModel

@Suite struct ServingModelTests {
    @Test func theCommittedModelFlagsAFraudLikeOrderAndPassesTheCourseDefaultOrder() throws {
        let model = try FraudModel.load(modelPath: Fixtures.committedModelPath)
        let fraud = model.score(Fixtures.fraudLikeOrder)
        let clean = model.score(Fixtures.courseDefaultOrder)
        #expect(fraud > model.threshold, "fraud-like order scored \(fraud), threshold \(model.threshold)")
        #expect(clean < model.threshold, "clean order scored \(clean), threshold \(model.threshold)")
        #expect(model.isFraud(OrderFeatures(Fixtures.fraudLikeOrder)))
    }

    @Test func theCommittedMetadataDescribesTheModel() throws {
        let metadata = try FraudModelMetadata.load(
            from: FraudModelMetadata.path(forModel: Fixtures.committedModelPath))
        #expect(metadata.features == OrderFeatures.names)
        #expect((0.05...0.95).contains(metadata.threshold))
        #expect(metadata.holdout.auc > 0.85)
        let model = try FraudModel.load(modelPath: Fixtures.committedModelPath)
        #expect(model.threshold == metadata.threshold)
    }

    @Test func scoringManyRowsInOnePredictionGivesEachRowsOwnScore() throws {
        let model = try FraudModel.load(modelPath: Fixtures.committedModelPath)
        let features = SyntheticOrders().generate(count: 300, seed: 33).map(\.features)
        let alone = features.map { model.score($0) }
        #expect(Set(alone).count > 10, "the sample orders were meant to score differently")
        #expect(model.scores(features) == alone)
        for size in [1, 2, 7, 64] {
            #expect(model.scores(Array(features.prefix(size))) == Array(alone.prefix(size)))
        }
        #expect(model.scores([]) == [])
    }

    @Test func scoringFromEightThreadsMatchesSequentialScoring() throws {
        let model = try FraudModel.load(modelPath: Fixtures.committedModelPath)
        let features = SyntheticOrders().generate(count: 400, seed: 21).map(\.features)
        let sequential = features.map { model.score($0) }

        let results = Mutex<[Int: [Double]]>([:])
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for thread in 0..<8 {
            done.enter()
            Thread {
                start.wait()
                // Each thread scores the rows in its own rotation, so threads hit different rows at once.
                var scores = [Double](repeating: -1, count: features.count)
                for step in 0..<features.count {
                    let index = (step + thread * 50) % features.count
                    scores[index] = model.score(features[index])
                }
                results.withLock { $0[thread] = scores }
                done.leave()
            }.start()
        }
        for _ in 0..<8 { start.signal() }
        #expect(done.wait(timeout: .now() + 30) == .success)
        let all = results.withLock { $0 }
        #expect(all.count == 8)
        for (thread, scores) in all {
            #expect(scores == sequential, "thread \(thread) disagrees with sequential scoring")
        }
    }

    @Test func loadingAMissingModelThrowsModelFileMissing() {
        let path = "/nonexistent/fraud-model.json"
        #expect(throws: FraudModelError.modelFileMissing(path: path)) {
            try FraudModel(modelPath: path, threshold: 0.5)
        }
        let error = FraudModelError.modelFileMissing(path: path)
        #expect(error.description.contains(path))
    }

    @Test func loadingAFileThatIsNotAModelThrowsInvalidModel() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("garbage.json").path
        try Data("{\"not\": \"a model\"}".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: FraudModelError.self) { try FraudModel(modelPath: path, threshold: 0.5) }
        guard case .invalidModel(let errorPath, let reason) = error else {
            Issue.record("expected invalidModel, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(!reason.isEmpty)
    }

    @Test func loadingWithoutMetadataOrWithABadThresholdThrows() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.json").path
        try FileManager.default.copyItem(atPath: Fixtures.committedModelPath, toPath: path)
        #expect(throws: FraudModelError.self) { try FraudModel.load(modelPath: path) }
        #expect(throws: FraudModelError.self) { try FraudModel(modelPath: path, threshold: 1.5) }
        #expect(throws: Never.self) { try FraudModel(modelPath: path, threshold: 0.3) }
    }

    @Test func metadataPathSitsNextToTheModel() {
        #expect(FraudModelMetadata.path(forModel: "models/fraud-model.json") == "models/fraud-model.meta.json")
        #expect(FraudModelMetadata.path(forModel: "model.bin") == "model.bin.meta.json")
    }
}
