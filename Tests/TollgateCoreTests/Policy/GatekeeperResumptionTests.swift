import Testing
import TollgateCore

/// The decisions the core hands to the server (`.awaitKeys`, `.introspect`)
/// and what it decides when called again with their outcome.
@Suite("Gatekeeper: unknown kid and introspection round trips")
struct GatekeeperResumptionTests {
    static let now: Int64 = 1_800_000_000

    static func snapshot(remote: Bool = true, introspection: Bool = true) throws -> GatewaySnapshot {
        let source = remote ? "jwks_uri: https://issuer.test/jwks" : "jwks_file: keys.json"
        let opaque = introspection ? """
              - name: opaque
                introspection:
                  endpoint: https://issuer.test/introspect
                  client_id: tollgate
                  client_secret_env: SECRET
            """ : ""
        let yaml = """
            server:
              listen: 127.0.0.1:0
            issuers:
              - name: jwt
                issuer: https://issuer.test
                audiences: [api]
                \(source)
            \(opaque)
            upstreams:
              - name: app
                targets: [127.0.0.1:9]
            forward:
              headers:
                X-Auth-Subject: sub
                X-Auth-Scopes: scope
            routes:
              - path: /read
                upstream: app
                scopes: [read]
            """
        let loaded = try ConfigLoader.load(yaml: yaml, file: "<test>", fileExists: { _ in true })
        return try GatewaySnapshot(config: loaded.config, file: "<test>")
    }

    static func facts(_ token: String) -> RequestFacts {
        RequestFacts(method: "GET", target: "/read", host: "a", authorization: .one("Bearer \(token)"))
    }

    static func jwt(_ key: SigningKey) throws -> String {
        try key.jwt(claims: DevelopmentToken.claims(
            issuer: "https://issuer.test", audience: "api", subject: "u", scope: "read",
            issuedAt: now, lifetimeSeconds: 600, tokenID: "t"
        ))
    }

    static func state(_ snapshot: GatewaySnapshot, keys: [SigningKey]) -> VerificationState {
        let set = JWKSet(keys: keys.map(\.verificationKey))
        return VerificationState(snapshot: snapshot, keySets: snapshot.issuers.map { $0.verifier == nil ? nil : set })
    }

    @Test("a remote issuer's unknown kid asks for keys once; decided again it is 401 invalid_token")
    func unknownKeyIDOfRemoteIssuer() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot, keys: [try SigningKey.generate(.ec(.p256), keyID: "k1")])
        let token = try Self.jwt(try SigningKey.generate(.ec(.p256), keyID: "k2"))
        guard case .awaitKeys(let issuer) = snapshot.decide(Self.facts(token), state: state, now: Self.now) else {
            Issue.record("expected .awaitKeys")
            return
        }
        #expect(issuer == 0)
        guard case .reject(let rejection) = snapshot.decide(Self.facts(token), state: state, now: Self.now, resuming: .keysAwaited) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.code == .invalidToken)
        #expect(rejection.description.contains("kid"))
    }

    @Test("the kid arrives with the refetch: decided again, the request is forwarded")
    func keyArrivesWithRefetch() throws {
        let snapshot = try Self.snapshot()
        let k2 = try SigningKey.generate(.ec(.p256), keyID: "k2")
        let state = Self.state(snapshot, keys: [try SigningKey.generate(.ec(.p256), keyID: "k1")])
        let token = try Self.jwt(k2)
        state.updateKeys(JWKSet(keys: [k2.verificationKey]), forIssuer: 0)
        guard case .forward = snapshot.decide(Self.facts(token), state: state, now: Self.now, resuming: .keysAwaited) else {
            Issue.record("expected .forward")
            return
        }
    }

    @Test("a jwks_file issuer's unknown kid is 401 at once")
    func unknownKeyIDOfFileIssuer() throws {
        let snapshot = try Self.snapshot(remote: false)
        let state = Self.state(snapshot, keys: [try SigningKey.generate(.ec(.p256), keyID: "k1")])
        let token = try Self.jwt(try SigningKey.generate(.ec(.p256), keyID: "k2"))
        guard case .reject(let rejection) = snapshot.decide(Self.facts(token), state: state, now: Self.now) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.code == .invalidToken)
    }

    @Test("an opaque token is introspected; the answer decides: active forwards with identity, inactive and expired are 401, a failure is 503")
    func introspectionRoundTrip() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot, keys: [])
        let facts = Self.facts("opaque-token")
        guard case .introspect(let token, let issuer) = snapshot.decide(facts, state: state, now: Self.now) else {
            Issue.record("expected .introspect")
            return
        }
        #expect(token == "opaque-token")
        #expect(issuer == 1)

        let active = try IntrospectionResult(parsing: Array(#"{"active":true,"scope":"read write","sub":"alice","exp":1800000600}"#.utf8))
        guard case .forward(let admission) = snapshot.decide(facts, state: state, now: Self.now, resuming: .introspection(active)) else {
            Issue.record("expected .forward")
            return
        }
        #expect(admission.identityHeaders.map(\.name) == ["X-Auth-Subject", "X-Auth-Scopes"])
        #expect(admission.identityHeaders.map(\.value) == ["alice", "read write"])
        #expect(admission.principal?.issuer == "opaque")

        let noScope = try IntrospectionResult(parsing: Array(#"{"active":true,"scope":"write"}"#.utf8))
        if case .reject(let rejection) = snapshot.decide(facts, state: state, now: Self.now, resuming: .introspection(noScope)) {
            #expect(rejection.code == .insufficientScope)
        } else {
            Issue.record("expected 403")
        }
        let inactive = try IntrospectionResult(parsing: Array(#"{"active":false}"#.utf8))
        let expired = try IntrospectionResult(parsing: Array(#"{"active":true,"exp":1799999000}"#.utf8))
        for (result, expected) in [(inactive, "not active"), (expired, "expired")] {
            if case .reject(let rejection) = snapshot.decide(facts, state: state, now: Self.now, resuming: .introspection(result)) {
                #expect(rejection.code == .invalidToken)
                #expect(rejection.description.contains(expected))
            } else {
                Issue.record("expected 401 for \(expected)")
            }
        }
        if case .reject(let rejection) = snapshot.decide(facts, state: state, now: Self.now, resuming: .introspectionFailed) {
            #expect(rejection.code == .temporarilyUnavailable)
            #expect(rejection.headers.contains { $0.name == "Retry-After" })
        } else {
            Issue.record("expected 503")
        }
    }

    @Test("without an introspection issuer an opaque token is 401 at once")
    func opaqueWithoutIntrospection() throws {
        let snapshot = try Self.snapshot(introspection: false)
        guard case .reject(let rejection) = snapshot.decide(Self.facts("opaque"), state: Self.state(snapshot, keys: []), now: Self.now) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.code == .invalidToken)
    }

    @Test("introspection answers that are not usable are errors", arguments: [
        "[]", "not json", #"{"scope":"read"}"#, #"{"active":"true"}"#, #"{"active":true,"exp":"soon"}"#,
    ])
    func unusableAnswers(body: String) {
        #expect(throws: IntrospectionResponseError.self) { try IntrospectionResult(parsing: Array(body.utf8)) }
    }
}
