/// Counts of a binary decision `score >= threshold` against labels (true = fraud).
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, trueNegatives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Counts for `scores` flagged at `threshold` (a score equal to the threshold is flagged, as in serving).
    public init(scores: [Double], labels: [Bool], threshold: Double) {
        precondition(scores.count == labels.count, "one label per score")
        for (score, label) in zip(scores, labels) {
            switch (score >= threshold, label) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (false, true): falseNegatives += 1
            }
        }
    }

    /// Flagged orders that are fraud; 0 when nothing is flagged.
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
    /// Fraud that is flagged; 0 when there is no fraud.
    public var recall: Double { Self.ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    public var accuracy: Double {
        Self.ratio(truePositives + trueNegatives, truePositives + trueNegatives + falsePositives + falseNegatives)
    }

    static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
}

/// Evaluation of fraud scores against labels.
public enum ClassificationMetrics {
    /// Area under the ROC curve from ranks (Mann–Whitney U): the probability that a random fraud scores above a
    /// random legitimate order, ties counting half. Nil when either class is absent.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "one label per score")
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of the positives' ranks (1-based), tied scores sharing their average rank.
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += averageRank }
            start = end + 1
        }
        let u = rankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// The threshold with the highest F1 on (`scores`, `labels`): halfway between the lowest flagged score and
    /// the next lower score, so that it does not sit exactly on one validation order. 0.5 without positives.
    public static func thresholdMaximizingF1(scores: [Double], labels: [Bool]) -> Double {
        bestThreshold(scores: scores, labels: labels) { matrix in matrix.f1 }
    }

    /// The lowest threshold (most recall) whose precision reaches `targetPrecision`, or nil when none does.
    public static func thresholdReachingPrecision(
        _ targetPrecision: Double, scores: [Double], labels: [Bool]
    ) -> Double? {
        let threshold = bestThreshold(scores: scores, labels: labels) { matrix in
            matrix.precision >= targetPrecision ? matrix.recall : -1
        }
        let matrix = ConfusionMatrix(scores: scores, labels: labels, threshold: threshold)
        return matrix.precision >= targetPrecision && matrix.truePositives > 0 ? threshold : nil
    }

    /// Sweeps every distinct score as a cut (descending) and returns the cut with the highest `objective`.
    static func bestThreshold(
        scores: [Double], labels: [Bool], objective: (ConfusionMatrix) -> Double
    ) -> Double {
        precondition(scores.count == labels.count, "one label per score")
        guard labels.contains(true) else { return 0.5 }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var matrix = ConfusionMatrix(
            trueNegatives: labels.filter { !$0 }.count, falseNegatives: labels.filter { $0 }.count)
        var best = (value: -Double.infinity, threshold: 0.5)
        var position = 0
        while position < order.count {
            let cut = scores[order[position]]
            // Flag every order with this score at once.
            while position < order.count && scores[order[position]] == cut {
                if labels[order[position]] {
                    matrix.truePositives += 1
                    matrix.falseNegatives -= 1
                } else {
                    matrix.falsePositives += 1
                    matrix.trueNegatives -= 1
                }
                position += 1
            }
            let value = objective(matrix)
            if value > best.value {
                let next = position < order.count ? scores[order[position]] : cut
                best = (value, (cut + next) / 2)
            }
        }
        return best.threshold
    }
}
