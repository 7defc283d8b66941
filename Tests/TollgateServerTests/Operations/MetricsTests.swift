import Foundation
import Synchronization
import Testing

@Suite("/metrics on the admin listener", .serialized)
struct MetricsTests {
    static let issuer = TestIssuer.shared

    static let routes = """
          - path: /api/v1/apps
            name: apps
            methods: [GET]
            upstream: app
            scopes: [apps:read]
          - path: /public/**
            upstream: app
            auth: none
        """

    static func run(targets: [String]? = nil, _ body: (GatewayFixture) async throws -> Void) async throws {
        try await GatewayFixture.run(
            targets: targets, server: "  admin: 127.0.0.1:0", routes: routes,
            sections: "issuers:\n\(issuer.yaml)\naccess_log:\n  enabled: false", body
        )
    }

    static func get(_ port: Int, _ path: String, token: String? = nil) throws -> RawResponse {
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        return try RawHTTPConnection.exchange(port: port, "GET \(path) HTTP/1.1\r\nHost: api.test\r\n\(authorization)\r\n")
    }

    @Test("requests by route, method and status; verifications by result; cache hits after the second request")
    func countersMove() async throws {
        try await Self.run { fixture in
            let port = fixture.port
            let before = try fixture.gateway.scrapeMetrics()
            #expect(MetricsText.value(#"tollgate_requests_total{route="apps",method="GET",status="200"}"#, in: before) == nil)
            #expect(MetricsText.value("tollgate_token_cache_hits_total", in: before) == 0)

            let token = try Self.issuer.token(scope: "apps:read")
            #expect(try Self.get(port, "/api/v1/apps", token: token).status == 200)
            #expect(try Self.get(port, "/api/v1/apps", token: token).status == 200)
            #expect(try Self.get(port, "/api/v1/apps", token: Self.issuer.token(scope: "apps:read", expiresIn: -120)).status == 401)
            #expect(try Self.get(port, "/api/v1/apps", token: Self.issuer.tokenWithBadSignature(scope: "apps:read")).status == 401)
            #expect(try Self.get(port, "/api/v1/apps", token: "not.a.jwt").status == 401)
            #expect(try Self.get(port, "/api/v1/apps").status == 401)
            #expect(try Self.get(port, "/public/page").status == 200)
            #expect(try Self.get(port, "/nowhere").status == 404)

            let page = try fixture.gateway.scrapeMetrics()
            func value(_ series: String) -> Double? { MetricsText.value(series, in: page) }
            #expect(value(#"tollgate_requests_total{route="apps",method="GET",status="200"}"#) == 2)
            #expect(value(#"tollgate_requests_total{route="apps",method="GET",status="401"}"#) == 4)
            #expect(value(#"tollgate_requests_total{route="/public/**",method="GET",status="200"}"#) == 1)
            #expect(value(#"tollgate_requests_total{route="",method="GET",status="404"}"#) == 1)
            #expect(value(#"tollgate_token_verifications_total{result="ok"}"#) == 2)
            #expect(value(#"tollgate_token_verifications_total{result="expired"}"#) == 1)
            #expect(value(#"tollgate_token_verifications_total{result="bad_signature"}"#) == 1)
            #expect(value(#"tollgate_token_verifications_total{result="malformed"}"#) == 1)
            #expect(value("tollgate_token_cache_hits_total") == 1)
            #expect(value("tollgate_token_cache_misses_total") == 4)
            #expect(value("tollgate_token_cache_entries") == 1)
            #expect(value("tollgate_request_duration_seconds_count") == 8)
            #expect(value(#"tollgate_request_duration_seconds_bucket{le="+Inf"}"#) == 8)
            #expect(value("tollgate_upstream_duration_seconds_count") == 3)
            #expect(value("tollgate_open_connections").map { $0 >= 0 } == true)
        }
    }

    @Test("an upstream that refuses connections: 502 and a connect error counted for it")
    func upstreamConnectError() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let closedPort = refusing.port
        try await Self.run(targets: ["127.0.0.1:\(closedPort)"]) { fixture in
            #expect(try Self.get(fixture.port, "/public/x").status == 502)
            let page = try fixture.gateway.scrapeMetrics()
            let errors = MetricsText.value(#"tollgate_upstream_connect_errors_total{upstream="app"}"#, in: page)
            #expect(errors.map { $0 >= 1 } == true, "\(page)")
            #expect(MetricsText.value(#"tollgate_requests_total{route="/public/**",method="GET",status="502"}"#, in: page) == 1)
        }
    }

    @Test("the page parses with prometheus_client, every family typed, histograms complete")
    func parsesAsPrometheusText() async throws {
        try await Self.run { fixture in
            let token = try Self.issuer.token(scope: "apps:read")
            _ = try Self.get(fixture.port, "/api/v1/apps", token: token)
            _ = try Self.get(fixture.port, "/public/a%22b")
            let page = try fixture.gateway.scrapeMetrics()
            let families = try MetricsText.parseWithPrometheusClient(page)
            let typed = page.split(separator: "\n").filter { $0.hasPrefix("# TYPE tollgate_") }.count
            #expect(families == typed)
            #expect(typed == 14)
            #expect(page.contains(#"tollgate_request_duration_seconds_bucket{le="0.001"}"#))
            #expect(page.hasSuffix("\n"))
        }
    }

    @Test("counters survive a reload; route labels follow the config that decided")
    func countersSurviveReload() async throws {
        try await Self.run { fixture in
            let token = try Self.issuer.token(scope: "apps:read")
            #expect(try Self.get(fixture.port, "/api/v1/apps", token: token).status == 200)
            let file = fixture.gateway.directory.appendingPathComponent("tollgate.yaml")
            let renamed = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "name: apps", with: "name: apps-v2")
            try renamed.write(to: file, atomically: true, encoding: .utf8)
            fixture.gateway.signal(SIGHUP)
            let deadline = ContinuousClock.now + .seconds(10)
            while !fixture.gateway.stderr.contains("configuration reloaded") {
                guard ContinuousClock.now < deadline else { throw GatewayTestError("no reload:\n\(fixture.gateway.stderr)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try Self.get(fixture.port, "/api/v1/apps", token: token).status == 200)
            let page = try fixture.gateway.scrapeMetrics()
            #expect(MetricsText.value(#"tollgate_requests_total{route="apps",method="GET",status="200"}"#, in: page) == 1)
            #expect(MetricsText.value(#"tollgate_requests_total{route="apps-v2",method="GET",status="200"}"#, in: page) == 1)
            #expect(MetricsText.value(#"tollgate_token_verifications_total{result="ok"}"#, in: page) == 2)
            // The new config starts with an empty token cache: the same token misses again.
            #expect(MetricsText.value("tollgate_token_cache_misses_total", in: page) == 2)
        }
    }

    @Test("scraping in a loop while requests run fails no request")
    func scrapeDuringLoad() async throws {
        try await Self.run { fixture in
            let token = try Self.issuer.token(scope: "apps:read")
            let port = fixture.port
            let gateway = fixture.gateway
            // A thread of its own, so the scrapes really run while the requests do.
            let scraper = ScrapeLoop(gateway)
            var failures: [Int] = []
            let connection = try RawHTTPConnection(port: port)
            for _ in 0..<300 {
                try connection.send("GET /api/v1/apps HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \(token)\r\n\r\n")
                let status = try connection.readResponse().status
                if status != 200 { failures.append(status) }
            }
            let (scraped, scrapeFailures) = scraper.stop()
            #expect(scrapeFailures == 0)
            #expect(failures.isEmpty)
            #expect(scraped > 0)
            let page = try fixture.gateway.scrapeMetrics()
            #expect(MetricsText.value(#"tollgate_requests_total{route="apps",method="GET",status="200"}"#, in: page) == 300)
        }
    }
}

/// Scrapes `/metrics` on a thread of its own until stopped; counts scrapes and failed ones.
private final class ScrapeLoop: Sendable {
    private struct Counts {
        var stop = false
        var scrapes = 0
        var failures = 0
        var finished = false
    }

    private let counts = Mutex(Counts())

    init(_ gateway: GatewayProcess) {
        let thread = Thread { [self] in run(gateway) }
        thread.start()
    }

    private func run(_ gateway: GatewayProcess) {
        while !counts.withLock({ $0.stop }) {
            let succeeded = (try? gateway.scrapeMetrics()) != nil
            counts.withLock {
                $0.scrapes += 1
                if !succeeded { $0.failures += 1 }
            }
        }
        counts.withLock { $0.finished = true }
    }

    /// Stops the loop once the scrape in progress ends; returns (scrapes, failed scrapes).
    func stop() -> (Int, Int) {
        counts.withLock { $0.stop = true }
        while !counts.withLock({ $0.finished }) { Thread.sleep(forTimeInterval: 0.005) }
        return counts.withLock { ($0.scrapes, $0.failures) }
    }
}
