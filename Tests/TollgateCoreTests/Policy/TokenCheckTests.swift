import Testing
import TollgateCore

/// What the core's decisions tell the server for metrics and the access log:
/// the route, the token's result and whether the cache held it.
@Suite("Gatekeeper: the token check carried on decisions")
struct TokenCheckTests {
    static let now: Int64 = 1_800_000_000

    static func snapshot() throws -> GatewaySnapshot {
        let yaml = """
            server:
              listen: 127.0.0.1:0
            issuers:
              - name: jwt
                issuer: https://issuer.test
                audiences: [api]
                jwks_file: keys.json
            upstreams:
              - name: app
                targets: [127.0.0.1:9]
            routes:
              - path: /read
                name: reader
                upstream: app
                scopes: [read]
              - path: /open
                upstream: app
                auth: none
            """
        let loaded = try ConfigLoader.load(yaml: yaml, file: "<test>", fileExists: { _ in true })
        return try GatewaySnapshot(config: loaded.config, file: "<test>")
    }

    static func token(_ key: SigningKey, scope: String = "read", issuedAt: Int64 = now, lifetime: Int64 = 600) throws -> String {
        try key.jwt(claims: DevelopmentToken.claims(
            issuer: "https://issuer.test", audience: "api", subject: "alice", scope: scope, clientID: "cli",
            issuedAt: issuedAt, lifetimeSeconds: lifetime, tokenID: "t"
        ))
    }

    static func facts(_ path: String, token: String?) -> RequestFacts {
        RequestFacts(method: "GET", target: path, host: "a", authorization: token.map { .one("Bearer \($0)") } ?? .absent)
    }

    struct Fixture {
        let snapshot: GatewaySnapshot
        let state: VerificationState
        let key: SigningKey

        init() throws {
            snapshot = try TokenCheckTests.snapshot()
            key = try SigningKey.generate(.ec(.p256), keyID: "k1")
            state = VerificationState(snapshot: snapshot, keySets: [JWKSet(keys: [key.verificationKey])])
        }

        func decide(_ path: String, token: String?) -> GateDecision {
            snapshot.decide(TokenCheckTests.facts(path, token: token), state: state, now: TokenCheckTests.now)
        }
    }

    @Test("an accepted token: a miss first, then a hit, with subject and client")
    func missThenHit() throws {
        let fixture = try Fixture()
        let token = try Self.token(fixture.key)
        guard case .forward(let first) = fixture.decide("/read", token: token),
              case .forward(let second) = fixture.decide("/read", token: token)
        else {
            Issue.record("expected both to be forwarded")
            return
        }
        #expect(first.tokenCheck == TokenCheck(cache: .miss, result: .ok, subject: "alice", clientID: "cli"))
        #expect(second.tokenCheck == TokenCheck(cache: .hit, result: .ok, subject: "alice", clientID: "cli"))
    }

    @Test("refusals carry the route and the reason: expired, bad signature, malformed, missing scope, no token")
    func refusals() throws {
        let fixture = try Fixture()
        func rejection(_ path: String, _ token: String?) -> Rejection? {
            if case .reject(let rejection) = fixture.decide(path, token: token) { return rejection }
            return nil
        }
        let expired = rejection("/read", try Self.token(fixture.key, issuedAt: Self.now - 7200, lifetime: 600))
        #expect(expired?.route == 0)
        #expect(expired?.tokenCheck == .refused(.expired))

        let other = try SigningKey.generate(.ec(.p256), keyID: "k1")
        #expect(rejection("/read", try Self.token(other))?.tokenCheck == .refused(.badSignature))
        #expect(rejection("/read", "a.b.c")?.tokenCheck.result == .malformed)

        let noScope = rejection("/read", try Self.token(fixture.key, scope: "write"))
        #expect(noScope?.code == .insufficientScope)
        #expect(noScope?.tokenCheck.result == .ok)
        #expect(noScope?.tokenCheck.subject == "alice")

        let missing = rejection("/read", nil)
        #expect(missing?.route == 0)
        #expect(missing?.tokenCheck == .notChecked)

        let notFound = rejection("/nowhere", try Self.token(fixture.key))
        #expect(notFound?.route == nil)
        #expect(notFound?.tokenCheck == .notChecked)
    }

    @Test("a route without auth checks no token")
    func noAuth() throws {
        let fixture = try Fixture()
        guard case .forward(let admission) = fixture.decide("/open", token: "whatever") else {
            Issue.record("expected /open to be forwarded")
            return
        }
        #expect(admission.tokenCheck == .notChecked)
    }

    @Test("result labels are distinct snake_case words, and every token error maps to one")
    func labels() {
        let labels = TokenCheck.Result.allCases.map(\.label)
        #expect(Set(labels).count == labels.count)
        #expect(labels.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } })
        let errors: [TokenError] = [
            .unsigned, .unsupportedAlgorithm, .unknownKeyID, .badSignature, .expired, .notYetValid, .issuedInFuture,
            .wrongIssuer, .wrongAudience, .wrongType, .missingClaim("exp"), .malformed(.segmentCount),
        ]
        #expect(errors.map(\.metricLabel) == [
            "alg_not_allowed", "alg_not_allowed", "unknown_kid", "bad_signature", "expired", "not_yet_valid", "not_yet_valid",
            "wrong_issuer", "wrong_audience", "wrong_typ", "invalid_claim", "malformed",
        ])
    }
}
