import Foundation
import Testing

private let dashboards = packageRoot.appendingPathComponent("dashboards")

/// Reads a provisioning file: YAML in its JSON-compatible flow style, comment lines aside.
private func provisioning(_ path: String) throws -> [String: Any] {
    let text = try String(contentsOf: dashboards.appendingPathComponent(path), encoding: .utf8)
    let body = text.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined(separator: "\n")
    return try #require(jsonObject(Data(body.utf8)), "\(path) is not YAML in JSON flow style")
}

private func dashboardJSON() throws -> [(name: String, dashboard: [String: Any])] {
    let folder = dashboards.appendingPathComponent("grafana")
    return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        .map { ($0.lastPathComponent, try #require(jsonObject(try Data(contentsOf: $0)))) }
}

/// Grafana's provisioning files (a data source and a dashboards provider) and the dashboards' conventions.
/// Grafana itself is not a Debian package, so it is not started here: the files are checked for the structure
/// Grafana's provisioning reads (apiVersion 1, `datasources`, `providers` of type `file`).
@Suite("Grafana provisioning")
struct GrafanaProvisioningTests {
    @Test func theDataSourceIsTheDefaultPrometheusScrapedEverySecond() throws {
        let file = try provisioning("provisioning/datasources/bookstore.yml")
        #expect(file["apiVersion"] as? Int == 1)
        let sources = file["datasources"] as? [[String: Any]] ?? []
        #expect(sources.count == 1)
        let source = try #require(sources.first)
        #expect(source["type"] as? String == "prometheus")
        #expect(source["access"] as? String == "proxy")
        #expect(source["url"] as? String == "http://localhost:9090")
        #expect(source["isDefault"] as? Bool == true)
        #expect(!(source["uid"] as? String ?? "").isEmpty && !(source["name"] as? String ?? "").isEmpty)
        // $__rate_interval is four scrape intervals: it must know prometheus.yml's 1 s.
        let scrape = try String(contentsOf: dashboards.appendingPathComponent("prometheus.yml"), encoding: .utf8)
        #expect(scrape.contains("scrape_interval: 1s"))
        #expect((source["jsonData"] as? [String: Any])?["timeInterval"] as? String == "1s")
    }

    @Test func theDashboardProviderLoadsTheGrafanaFolder() throws {
        let file = try provisioning("provisioning/dashboards/bookstore.yml")
        #expect(file["apiVersion"] as? Int == 1)
        let providers = file["providers"] as? [[String: Any]] ?? []
        let provider = try #require(providers.first)
        #expect(providers.count == 1)
        #expect(provider["type"] as? String == "file")
        #expect(!(provider["name"] as? String ?? "").isEmpty)
        let path = (provider["options"] as? [String: Any])?["path"] as? String
        #expect(path == "${BOOKSTORE_DASHBOARDS}")
        let text = try String(
            contentsOf: dashboards.appendingPathComponent("provisioning/dashboards/bookstore.yml"), encoding: .utf8)
        #expect(text.contains("BOOKSTORE_DASHBOARDS=$PWD/dashboards/grafana"), "the file says how to set the path")
    }

    @Test func everyDashboardResolvesItsDataSourceWithoutAnImport() throws {
        for (name, dashboard) in try dashboardJSON() {
            let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            let source = variables.first { $0["name"] as? String == "DS_PROMETHEUS" }
            #expect(source?["type"] as? String == "datasource", "\(name)")
            #expect(source?["query"] as? String == "prometheus", "\(name)")
            for variable in ["service", "node"] {
                let found = variables.first { $0["name"] as? String == variable }
                #expect(found?["type"] as? String == "query", "\(name): \(variable)")
                #expect(found?["includeAll"] as? Bool == true && found?["multi"] as? Bool == true, "\(name)")
                let query = (found?["query"] as? [String: Any])?["query"] as? String ?? ""
                #expect(query.hasPrefix("label_values(") && query.contains(variable), "\(name): \(query)")
            }
        }
    }

    @Test func everyPanelQuerySelectsByServiceAndNodeOverTheRateInterval() throws {
        let fixedWindow = try Regex(#"\[[0-9]+[smhd]\]"#)
        var checked = 0
        for (name, dashboard) in try dashboardJSON() {
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    let expr = target["expr"] as? String ?? ""
                    let title = "\(name) / \(panel["title"] as? String ?? "?")"
                    checked += 1
                    #expect(!expr.contains(fixedWindow), "\(title): fixed window in \(expr)")
                    #expect(!expr.contains("job="), "\(title): relies on the scrape config's job label")
                    #expect(!PromQL.metricNames(in: expr).contains("up"), "\(title): `up` comes from Prometheus")
                    if expr.contains("rate(") || expr.contains("increase(") {
                        #expect(expr.contains("[$__rate_interval]"), "\(title)")
                    }
                    // Every selector filters by the template variables.
                    let selectors = expr.components(separatedBy: "{").count - 1
                    let filtered = expr.components(separatedBy: #"service=~"$service",node=~"$node""#).count - 1
                    #expect(selectors > 0 && selectors == filtered, "\(title): \(expr)")
                    for metric in PromQL.metricNames(in: expr) {
                        #expect(metric.hasPrefix("bookstore_") || metric.hasPrefix("process_"), "\(title): \(metric)")
                    }
                }
            }
        }
        #expect(checked >= 40)
    }
}
