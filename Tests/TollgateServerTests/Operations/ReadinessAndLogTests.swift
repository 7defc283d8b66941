import Foundation
import Testing
import TollgateCore

@Suite("Readiness, start-up log lines and key-fetch warnings", .serialized)
struct ReadinessAndLogTests {
    @Test("JWKS fetch failures: /readyz 503, a warning naming the issuer, fetches counted by result; then ready")
    func keyFetchFailureThenKeys() async throws {
        let key = try SigningKey.generate(.ec(.p256), keyID: "k1")
        try await AuthFixture.run(issuers: { RemoteKeysTests.issuer($0) }, prepare: { $0.failJWKS(status: 503) }) { fixture in
            try await fixture.auth.waitUntil("a first key fetch") { $0.jwksRequests >= 1 }
            try await fixture.poll("the failure's warning") { fixture.gateway.stderr.contains("cannot fetch keys") }
            #expect(try fixture.readyStatus() == 503)
            let warnings = fixture.gateway.stderr.split(separator: "\n").filter { $0.contains("cannot fetch keys") }
            #expect(!warnings.isEmpty)
            #expect(warnings.allSatisfy { $0.contains("warning") && $0.contains("issuer 'remote'") })
            let failed = try fixture.gateway.scrapeMetrics()
            #expect(MetricsText.value(#"tollgate_jwks_fetches_total{issuer="remote",result="error"}"#, in: failed).map { $0 >= 1 } == true)

            fixture.auth.serve(keys: [key])
            try await fixture.waitUntilReady()
            let fetched = try fixture.gateway.scrapeMetrics()
            #expect(MetricsText.value(#"tollgate_jwks_fetches_total{issuer="remote",result="ok"}"#, in: fetched).map { $0 >= 1 } == true)
        }
    }

    @Test("an introspection-only gateway is ready at once; introspection calls are counted by result")
    func introspectionIssuerCountsAsReady() async throws {
        try await AuthFixture.run(
            issuers: IntrospectionTests.issuers, routes: IntrospectionTests.routes, environment: IntrospectionTests.environment
        ) { fixture in
            try await fixture.waitUntilReady(timeout: .seconds(5))
            let now = Int64(Date().timeIntervalSince1970)
            fixture.auth.answerIntrospection(of: "opaque-on", with: #"{"active":true,"scope":"read","exp":\#(now + 600)}"#)
            fixture.auth.answerIntrospection(of: "opaque-off", with: #"{"active":false}"#)
            #expect(try fixture.get("/private/x", token: "opaque-on").status == 200)
            #expect(try fixture.get("/private/x", token: "opaque-off").status == 401)
            let page = try fixture.gateway.scrapeMetrics()
            #expect(MetricsText.value(#"tollgate_introspection_calls_total{result="active"}"#, in: page) == 1)
            #expect(MetricsText.value(#"tollgate_introspection_calls_total{result="inactive"}"#, in: page) == 1)
            #expect(MetricsText.value(#"tollgate_token_verifications_total{result="inactive"}"#, in: page) == 1)
        }
    }

    @Test("one start-up line per listener, the admin listener's included")
    func oneLinePerListener() async throws {
        try await GatewayFixture.run(server: "  admin: 127.0.0.1:0") { fixture in
            _ = try fixture.gateway.waitForAdminPort()
            let lines = fixture.gateway.stderr.split(separator: "\n")
            #expect(lines.filter { $0.contains("listening on 127.0.0.1:\(fixture.port)") }.count == 1)
            #expect(lines.filter { $0.contains("listening on") }.count == 1)
            #expect(lines.filter { $0.contains("admin listener on 127.0.0.1:") }.count == 1)
        }
    }
}
