import Checkout
import ClusterProtocol
import FraudModel
import RPC
import TraceFormat

/// Fraud Detection: rules plus the XGBoost model. `assess(OrderEnvelope) -> FraudAssessment`.
public struct FraudService: Sendable {
    public let rules: FraudRules
    public let model: FraudModel
    let metrics: RPCMetrics

    public init(rules: FraudRules = FraudRules(), model: FraudModel, metrics: RPCMetrics = .disabled) {
        self.rules = rules
        self.model = model
        self.metrics = metrics
    }

    public func register(into router: inout Router) {
        let rules = self.rules
        let model = self.model
        let scores = metrics.histogram("fraud_score")
        let flagged = metrics.counter("fraud_assessments_total", [("outcome", "fraudulent")])
        let passed = metrics.counter("fraud_assessments_total", [("outcome", "clean")])
        // One order's assessment, given the model's score of it.
        let assess: @Sendable (OrderEnvelope, ContactChecks, Double, RequestContext) -> FraudAssessment = {
            envelope, checks, score, context in
            let fired = rules.evaluate(envelope.order, checks: checks)
            let assessment = FraudAssessment(score: score, threshold: model.threshold, rulesFired: fired)
            scores.record(score)
            (assessment.fraudulent ? flagged : passed).increment()
            if assessment.fraudulent {
                context.logger.info(
                    "order flagged as fraud",
                    metadata: [
                        "order_id": .string(envelope.orderId), "score": "\(score)",
                        "rules": .string(fired.map(\.code).joined(separator: ",")),
                    ])
            }
            return assessment
        }
        // The name and contact checks are made once per order, for the rules and the model's features.
        router.register(FraudRPC.assess) { envelope, context in
            let checks = ContactChecks(envelope.order)
            return assess(envelope, checks, model.score(OrderFeatures(envelope.order, checks: checks)), context)
        }
        // A batch's orders are scored in one prediction.
        router.registerBatch(FraudRPC.assessBatch) { envelopes, contexts in
            let checks = envelopes.map { ContactChecks($0.order) }
            let scores = model.scores(envelopes.indices.map { OrderFeatures(envelopes[$0].order, checks: checks[$0]) })
            return envelopes.indices.map { assess(envelopes[$0], checks[$0], scores[$0], contexts[$0]) }
        }
    }
}
