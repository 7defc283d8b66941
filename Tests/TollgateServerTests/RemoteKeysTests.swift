import Foundation
import Testing
import TollgateCore

@Suite("Remote keys: jwks_uri, discovery, refresh, unknown kid", .serialized)
struct RemoteKeysTests {
    static func issuer(_ auth: TestAuthServer, refresh: String = "10m", cooldown: String = "3s", discovery: Bool = false) -> String {
        let source = discovery
            ? "discovery_url: \(auth.base)/.well-known/openid-configuration"
            : "jwks_uri: \(auth.base)/jwks"
        return """
            issuers:
              - name: remote
                issuer: \(auth.issuer)
                audiences: [api]
                \(source)
                jwks_refresh: \(refresh)
                jwks_refetch_cooldown: \(cooldown)
            """
    }

    static func key(_ id: String) throws -> SigningKey {
        try SigningKey.generate(.ec(.p256), keyID: id)
    }

    @Test("before the first keys: 503 temporarily_unavailable with Retry-After, /readyz 503; then 200 for both")
    func beforeFirstKeys() async throws {
        let k1 = try Self.key("k1")
        try await AuthFixture.run(issuers: { Self.issuer($0) }, prepare: { $0.failJWKS(status: 503) }) { fixture in
            try await fixture.auth.waitUntil("a first key fetch") { $0.jwksRequests >= 1 }
            #expect(try fixture.readyStatus() == 503)
            let early = try fixture.get("/private/x", token: fixture.auth.token(k1))
            #expect(early.status == 503)
            #expect(early.json["error"] as? String == "temporarily_unavailable")
            #expect(early.header("retry-after") != nil)
            #expect(fixture.upstream.received.isEmpty)

            fixture.auth.serve(keys: [k1])
            try await fixture.waitUntilReady()
            #expect(try fixture.get("/private/x", token: fixture.auth.token(k1)).status == 200)
            #expect(fixture.gateway.stderr.contains("issuer 'remote': cannot fetch keys"))
        }
    }

    @Test("a new kid is accepted after one refetch; within the cooldown an unknown kid is 401 at once; after it, one refetch")
    func rotationAndCooldown() async throws {
        let (k1, k2, k3) = (try Self.key("k1"), try Self.key("k2"), try Self.key("k3"))
        try await AuthFixture.run(issuers: { Self.issuer($0, cooldown: "3s") }, prepare: { $0.serve(keys: [k1]) }) { fixture in
            try await fixture.waitUntilReady()
            let auth = fixture.auth
            #expect(try fixture.get("/private/x", token: auth.token(k1)).status == 200)
            let before = auth.jwksRequests

            auth.serve(keys: [k1, k2])
            #expect(try fixture.get("/private/x", token: auth.token(k2)).status == 200)
            #expect(auth.jwksRequests == before + 1)

            let unknown = try fixture.get("/private/x", token: auth.token(k3))
            #expect(unknown.status == 401)
            #expect(unknown.json["error"] as? String == "invalid_token")
            #expect(unknown.header("www-authenticate")?.contains("kid") == true)
            #expect(auth.jwksRequests == before + 1, "within the cooldown an unknown kid must not refetch")

            auth.serve(keys: [k1, k2, k3])
            let token3 = try auth.token(k3)
            try await fixture.poll(timeout: .seconds(12), "k3 to be accepted after the cooldown") {
                try fixture.get("/private/x", token: token3).status == 200
            }
            #expect(auth.jwksRequests == before + 2)
        }
    }

    @Test("an unknown kid of a remote issuer is refetched once even for concurrent requests")
    func concurrentUnknownKeyID() async throws {
        let (k1, k2) = (try Self.key("k1"), try Self.key("k2"))
        try await AuthFixture.run(issuers: { Self.issuer($0, cooldown: "30s") }, prepare: { $0.serve(keys: [k1]) }) { fixture in
            try await fixture.waitUntilReady()
            let before = fixture.auth.jwksRequests
            fixture.auth.serve(keys: [k1, k2])
            let connections = try (0..<10).map { _ in try RawHTTPConnection(port: fixture.port) }
            for connection in connections {
                try connection.send("GET /private/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(try fixture.auth.token(k2))\r\n\r\n")
            }
            for connection in connections {
                #expect(try connection.readResponse().status == 200)
            }
            #expect(fixture.auth.jwksRequests == before + 1)
        }
    }

    @Test("a request with an unknown kid waits for a slow refetch at most 2 s, then gets 401; the refetched key works after")
    func unknownKeyWaitIsCapped() async throws {
        let (k1, k2) = (try Self.key("k1"), try Self.key("k2"))
        try await AuthFixture.run(issuers: { Self.issuer($0, cooldown: "30s") }, prepare: { $0.serve(keys: [k1]) }) { fixture in
            try await fixture.waitUntilReady()
            let before = fixture.auth.jwksRequests
            // The refetch takes 8 s: four times the cap, so the cap is what ends the wait.
            fixture.auth.delayJWKS(.seconds(8))
            fixture.auth.serve(keys: [k1, k2])
            let token = try fixture.auth.token(k2)
            let started = ContinuousClock.now
            let waited = try fixture.get("/private/x", token: token)
            let elapsed = ContinuousClock.now - started
            #expect(waited.status == 401)
            #expect(waited.json["error"] as? String == "invalid_token")
            #expect(elapsed >= .milliseconds(1900), "the request must wait for the refetch, up to the cap")
            #expect(elapsed < .seconds(6), "the wait must end at the 2 s cap, not with the 8 s refetch")
            #expect(fixture.auth.jwksRequests == before + 1)
            #expect(fixture.upstream.received.isEmpty)
            // Once the slow refetch has landed, the new key verifies without another fetch.
            try await fixture.poll(timeout: .seconds(20), "k2 to be accepted once the slow refetch lands") {
                try fixture.get("/private/x", token: token).status == 200
            }
            #expect(fixture.auth.jwksRequests == before + 1)
        }
    }

    @Test("the JWKS server down: the last good keys stay and each failure is logged")
    func serverDownKeepsKeys() async throws {
        let k1 = try Self.key("k1")
        try await AuthFixture.run(issuers: { Self.issuer($0, refresh: "1s") }, prepare: { $0.serve(keys: [k1]) }) { fixture in
            try await fixture.waitUntilReady()
            await fixture.auth.stop()
            try await fixture.poll(timeout: .seconds(15), "two failed refreshes to be logged") {
                fixture.gateway.stderr.components(separatedBy: "issuer 'remote': cannot fetch keys").count - 1 >= 2
            }
            #expect(fixture.gateway.stderr.contains("keeping its last good keys"))
            #expect(try fixture.get("/private/x", token: fixture.auth.token(k1)).status == 200)
            #expect(try fixture.readyStatus() == 200)
        }
    }

    @Test("a key removed from the set: its cached tokens are refused after the next refresh, others stay")
    func removedKeyDropsCachedTokens() async throws {
        let (k1, k2) = (try Self.key("k1"), try Self.key("k2"))
        try await AuthFixture.run(issuers: { Self.issuer($0, refresh: "1s", cooldown: "1s") }, prepare: { $0.serve(keys: [k1, k2]) }) { fixture in
            try await fixture.waitUntilReady()
            let (token1, token2) = (try fixture.auth.token(k1), try fixture.auth.token(k2))
            #expect(try fixture.get("/private/x", token: token2).status == 200)
            #expect(try fixture.get("/private/x", token: token2).status == 200)

            fixture.auth.serve(keys: [k1])
            try await fixture.poll(timeout: .seconds(10), "the cached token of the removed key to be refused") {
                try fixture.get("/private/x", token: token2).status == 401
            }
            #expect(try fixture.get("/private/x", token: token2).json["error"] as? String == "invalid_token")
            #expect(try fixture.get("/private/x", token: token1).status == 200)
        }
    }

    @Test("discovery_url: the document's jwks_uri is fetched and its keys verify tokens")
    func discovery() async throws {
        let k1 = try Self.key("k1")
        try await AuthFixture.run(issuers: { Self.issuer($0, discovery: true) }, prepare: { $0.serve(keys: [k1]) }) { fixture in
            try await fixture.waitUntilReady()
            #expect(fixture.auth.discoveryRequests >= 1)
            #expect(fixture.auth.jwksRequests >= 1)
            #expect(try fixture.get("/private/x", token: fixture.auth.token(k1)).status == 200)
            let other = try Self.key("other")
            #expect(try fixture.get("/private/x", token: fixture.auth.token(other)).status == 401)
        }
    }
}
