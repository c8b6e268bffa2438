import Foundation
import Services
import Testing

private let dashboards = packageRoot.appendingPathComponent("dashboards")

/// `dashboards/alerts.yml` checked and unit-tested by promtool, and `prometheus.yml` (which loads it) valid.
@Suite("AlertRules")
struct AlertRulesTests {
    @Test(.disabled(if: Promtool.mayBeSkipped, Promtool.skipReason))
    func theAlertRulesAreValid() throws {
        let result = try Promtool.run(["check", "rules", "alerts.yml"], directory: dashboards.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS: 5 rules found"), "\(result.output)")
    }

    @Test(.disabled(if: Promtool.mayBeSkipped, Promtool.skipReason))
    func theAlertRulesPassTheirUnitTests() throws {
        let result = try Promtool.run(["test", "rules", "alerts.test.yml"], directory: dashboards.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)")
    }

    @Test(.disabled(if: Promtool.mayBeSkipped, Promtool.skipReason))
    func theScrapeConfigIsValidAndLoadsTheRules() throws {
        let result = try Promtool.run(["check", "config", "prometheus.yml"], directory: dashboards.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("1 rule files found"), "\(result.output)")
    }

    @Test func everyAlertWatchesAMetricTheServicesExport() throws {
        let text = try String(contentsOf: dashboards.appendingPathComponent("alerts.yml"), encoding: .utf8)
        let expressions = text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("expr:") ? String(trimmed.dropFirst("expr:".count)) : nil
        }
        #expect(expressions.count == 5)
        let exported = Set(MetricCatalog.all.map(\.name)).union([
            "bookstore_queue_oldest_waiting_seconds", "bookstore_trace_events_dropped_total", "up",
        ])
        for expression in expressions {
            let names = PromQL.metricNames(in: expression)
            #expect(!names.isEmpty && names.isSubset(of: exported), "\(expression): \(names.subtracting(exported))")
        }
    }
}
