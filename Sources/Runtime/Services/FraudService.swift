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
        let assess: @Sendable (OrderEnvelope, RequestContext) -> FraudAssessment = { envelope, context in
            let fired = rules.evaluate(envelope.order)
            let score = model.score(OrderFeatures(envelope.order))
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
        router.register(FraudRPC.assess, handler: assess)
        router.registerBatch(FraudRPC.assessBatch, item: assess)
    }
}
