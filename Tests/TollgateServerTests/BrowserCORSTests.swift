import Foundation
import Testing

/// Headless Chromium calls the real gateway with `fetch()` and an
/// `Authorization` header (so it sends a real preflight) from pages on three
/// loopback origins, and the tests check what each page could read. One
/// browser run serves every test.
@Suite("CORS in a real browser (headless Chromium)", .serialized)
struct BrowserCORSTests {
    /// Page-server listener 0: allowed globally and in `dashboard-spa`'s own list.
    static let dashboardListener = 0
    /// Listener 1: allowed globally, not in `dashboard-spa`'s list.
    static let partnerListener = 1
    /// Listener 2: allowed nowhere.
    static let strangerListener = 2

    /// What the browser run produced, shared by the tests.
    struct Run: Sendable {
        var outcomes: [String: BrowserPages.Outcome]
        var upstreamRequests: [TestUpstream.Received]
        var origins: [String]
        /// The `Authorization` value of `reporting-spa`, a client not listed under `clients`.
        var reportingToken: String

        func outcome(_ name: String) throws -> BrowserPages.Outcome {
            guard let outcome = outcomes[name] else { throw GatewayTestError("the page reported no outcome for \(name)") }
            return outcome
        }

        /// Requests the upstream received from a page on `origin`.
        func forwarded(from origin: String) -> [TestUpstream.Received] {
            upstreamRequests.filter { $0.header("origin") == origin }
        }
    }

    static let run = Task { try await runBrowser() }

    static func runBrowser() async throws -> Run {
        let chromium = try HeadlessChromium.locate()
        let pages = try await PageServer.start(listeners: 3)
        let dashboard = pages.origin(dashboardListener)
        let partner = pages.origin(partnerListener)
        let stranger = pages.origin(strangerListener)
        let issuer = TestIssuer.shared
        let sections = """
            issuers:
            \(issuer.yaml)
            clients:
              - client_id: dashboard-spa
                allowed_origins: [\(dashboard)]
            cors:
              allowed_origins: [\(dashboard), \(partner)]
              allowed_methods: [GET]
              allowed_headers: [Authorization]
              max_age: 10m
            """
        let routes = """
              - path: /api/items
                upstream: app
                scopes: [items:read]
              - path: /api/admin
                upstream: app
                scopes: [items:admin]
            """
        var result: Run?
        do {
            try await GatewayFixture.run(routes: routes, sections: sections) { fixture in
                let gateway = "http://127.0.0.1:\(fixture.port)"
                let dashboardToken = "Bearer " + (try issuer.token(scope: "items:read", clientID: "dashboard-spa"))
                let reportingToken = "Bearer " + (try issuer.token(scope: "items:read", clientID: "reporting-spa"))
                typealias Fetch = BrowserPages.Fetch
                pages.setPage("/probe/dashboard", html: try BrowserPages.probe([
                    Fetch(name: "allowed", url: "\(gateway)/api/items", headers: ["Authorization": dashboardToken]),
                    Fetch(name: "missing-scope", url: "\(gateway)/api/admin", headers: ["Authorization": dashboardToken]),
                    Fetch(
                        name: "unlisted-header", url: "\(gateway)/api/items",
                        headers: ["Authorization": dashboardToken, "X-Debug": "1"]
                    ),
                ]))
                pages.setPage("/probe/partner", html: try BrowserPages.probe([
                    Fetch(name: "client-elsewhere", url: "\(gateway)/api/items", headers: ["Authorization": dashboardToken]),
                    Fetch(name: "unlisted-client", url: "\(gateway)/api/items", headers: ["Authorization": reportingToken]),
                ]))
                pages.setPage("/probe/stranger", html: try BrowserPages.probe([
                    // An unlisted client's token, so that only the global policy can refuse it.
                    Fetch(name: "disallowed-origin", url: "\(gateway)/api/items", headers: ["Authorization": reportingToken]),
                ]))
                pages.setPage("/driver", html: try BrowserPages.driver(probes: [
                    "\(dashboard)/probe/dashboard", "\(partner)/probe/partner", "\(stranger)/probe/stranger",
                ]))

                let page = try await chromium.dumpDOM(of: "\(dashboard)/driver")
                print("BrowserCORSTests: chromium ran the page in \(page.elapsed)")
                let outcomes = try BrowserPages.outcomes(in: page.dom)
                for outcome in outcomes.values.sorted(by: { $0.name < $1.name }) {
                    let seen = outcome.status.map { "\($0) \(outcome.body?.prefix(80) ?? "")" }
                        ?? "\(outcome.error ?? "?"): \(outcome.message ?? "")"
                    print("BrowserCORSTests: \(outcome.name) from \(outcome.origin) saw \(seen)")
                }
                result = Run(
                    outcomes: outcomes,
                    upstreamRequests: fixture.upstream.received,
                    origins: [dashboard, partner, stranger],
                    reportingToken: reportingToken
                )
            }
        } catch {
            await pages.stop()
            throw error
        }
        await pages.stop()
        guard let result else { throw GatewayTestError("the browser run produced nothing") }
        return result
    }

    @Test("a page on an allowed origin reads the upstream's 200 body")
    func allowedOriginReadsBody() async throws {
        let run = try await Self.run.value
        let outcome = try run.outcome("allowed")
        #expect(outcome.origin == run.origins[Self.dashboardListener])
        #expect(outcome.error == nil, "\(outcome.error ?? ""): \(outcome.message ?? "")")
        #expect(outcome.status == 200)
        #expect(outcome.json["uri"] as? String == "/api/items")
        let echoed = (outcome.json["headers"] as? [[String]]) ?? []
        let sentOrigin = echoed.first { $0.first?.lowercased() == "origin" }?.last
        #expect(sentOrigin == run.origins[Self.dashboardListener])
        #expect(run.forwarded(from: run.origins[Self.dashboardListener]).count == 1)
    }

    @Test("a page on an allowed origin reads the gateway's 403 insufficient_scope body")
    func allowedOriginReadsScopeError() async throws {
        let run = try await Self.run.value
        let outcome = try run.outcome("missing-scope")
        #expect(outcome.error == nil, "\(outcome.error ?? ""): \(outcome.message ?? "")")
        #expect(outcome.status == 403)
        #expect(outcome.json["error"] as? String == "insufficient_scope")
        #expect(run.upstreamRequests.allSatisfy { $0.uri != "/api/admin" })
    }

    @Test("a page on a disallowed origin gets a TypeError and nothing reaches the upstream")
    func disallowedOriginFails() async throws {
        let run = try await Self.run.value
        let outcome = try run.outcome("disallowed-origin")
        #expect(outcome.origin == run.origins[Self.strangerListener])
        #expect(outcome.error == "TypeError")
        #expect(outcome.status == nil)
        #expect(outcome.body == nil)
        #expect(run.forwarded(from: run.origins[Self.strangerListener]).isEmpty)
    }

    @Test("a listed client's token used from a globally allowed origin outside its own list gets a TypeError")
    func clientTokenElsewhereFails() async throws {
        let run = try await Self.run.value
        let refused = try run.outcome("client-elsewhere")
        #expect(refused.origin == run.origins[Self.partnerListener])
        #expect(refused.error == "TypeError")
        #expect(refused.status == nil)
        // The same origin with an unlisted client's token is admitted: the
        // refusal above is the per-client check, not the global policy.
        let admitted = try run.outcome("unlisted-client")
        #expect(admitted.status == 200, "\(admitted.error ?? ""): \(admitted.message ?? "")")
        let forwarded = run.forwarded(from: run.origins[Self.partnerListener])
        #expect(forwarded.count == 1)
        #expect(forwarded.first?.header("authorization") == run.reportingToken)
    }

    @Test("the browser preflights: a request header outside allowed_headers fails before the request is sent")
    func preflightGatesHeaders() async throws {
        let run = try await Self.run.value
        let outcome = try run.outcome("unlisted-header")
        #expect(outcome.error == "TypeError")
        #expect(run.upstreamRequests.allSatisfy { $0.header("x-debug") == nil })
        #expect(run.upstreamRequests.count == 2)
    }
}
