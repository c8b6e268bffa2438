import Testing

@testable import FraudModel

@Suite struct ClassificationMetricsTests {
    @Test func aucIsOneForPerfectRankingAndZeroForReversed() {
        let labels = [false, false, true, true]
        #expect(ClassificationMetrics.auc(scores: [0.1, 0.2, 0.8, 0.9], labels: labels) == 1)
        #expect(ClassificationMetrics.auc(scores: [0.9, 0.8, 0.2, 0.1], labels: labels) == 0)
    }

    @Test func aucCountsPairsAndTiesAsHalf() {
        // Pairs (positive, negative): (0.4 vs 0.1) win, (0.4 vs 0.5) loss, (0.5 vs 0.1) win, (0.5 vs 0.5) tie.
        let auc = ClassificationMetrics.auc(scores: [0.1, 0.5, 0.4, 0.5], labels: [false, false, true, true])
        #expect(auc == 2.5 / 4)
        #expect(ClassificationMetrics.auc(scores: [0.3, 0.3, 0.3], labels: [true, false, false]) == 0.5)
    }

    @Test func aucIsNilWithoutBothClasses() {
        #expect(ClassificationMetrics.auc(scores: [0.1, 0.2], labels: [true, true]) == nil)
        #expect(ClassificationMetrics.auc(scores: [], labels: []) == nil)
    }

    @Test func confusionMatrixFlagsScoresAtTheThreshold() {
        let matrix = ConfusionMatrix(
            scores: [0.9, 0.5, 0.4, 0.2, 0.7], labels: [true, true, true, false, false], threshold: 0.5)
        #expect(matrix == ConfusionMatrix(truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 1))
        #expect(matrix.precision == 2.0 / 3)
        #expect(matrix.recall == 2.0 / 3)
        #expect(abs(matrix.f1 - 2.0 / 3) < 1e-12)
        #expect(ConfusionMatrix().precision == 0)
    }

    @Test func f1ThresholdSeparatesSeparableScoresHalfwayBetweenClasses() {
        let threshold = ClassificationMetrics.thresholdMaximizingF1(
            scores: [0.05, 0.2, 0.3, 0.6, 0.8, 0.95], labels: [false, false, false, true, true, true])
        #expect(abs(threshold - 0.45) < 1e-12)
    }

    @Test func f1ThresholdTradesPrecisionForRecall() {
        // Flagging down to 0.6 catches 3 of 4 frauds with one false alarm (F1 0.75); down to 0.2 catches all
        // four with three false alarms (F1 0.727); above 0.6 only 2 of 4 (F1 0.667).
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.2, 0.1]
        let labels = [true, true, false, true, false, false, true, false]
        #expect(abs(ClassificationMetrics.thresholdMaximizingF1(scores: scores, labels: labels) - 0.55) < 1e-12)
    }

    @Test func precisionThresholdIsTheLowestThatReachesTheTarget() throws {
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.2, 0.1]
        let labels = [true, true, false, true, false, false, true, false]
        let threshold = try #require(
            ClassificationMetrics.thresholdReachingPrecision(0.75, scores: scores, labels: labels))
        #expect(abs(threshold - 0.55) < 1e-12)
        let strict = try #require(ClassificationMetrics.thresholdReachingPrecision(1, scores: scores, labels: labels))
        #expect(abs(strict - 0.75) < 1e-12)
        #expect(
            ClassificationMetrics.thresholdReachingPrecision(0.9, scores: [0.9, 0.8], labels: [false, true])
                == nil)
    }
}
