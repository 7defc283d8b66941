import Testing
import TollgateCore

/// Resource bounds on the token path: a flood of unique tokens that do not
/// verify must not grow the verified-token cache, must not evict the good
/// tokens in it, and (for a remote issuer) only ever asks the server for a
/// key refetch, which the server's `KeyRefresher` rate-limits per issuer.
@Suite("Token path under a flood of invalid tokens")
struct TokenFloodTests {
    static let now: Int64 = 1_800_000_000
    static let capacity = 8
    static let key = try! SigningKey.generate(.ec(.p256), keyID: "k1")

    static func snapshot(source: String) throws -> GatewaySnapshot {
        let yaml = """
            server:
              listen: 127.0.0.1:0
            cache:
              tokens: \(capacity)
            issuers:
              - name: jwt
                issuer: https://issuer.test
                audiences: [api]
                \(source)
            upstreams:
              - name: app
                targets: [127.0.0.1:9]
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

    static func token(_ id: Int, key: SigningKey = key, audience: String = "api", issuedAt: Int64 = now) throws -> String {
        try key.jwt(claims: DevelopmentToken.claims(
            issuer: "https://issuer.test", audience: audience, subject: "u\(id)", scope: "read",
            issuedAt: issuedAt, lifetimeSeconds: 600, tokenID: "t\(id)"
        ))
    }

    /// Unique tokens, each refused for another reason: a bad signature, an
    /// unknown key, expired, the wrong audience, or not a JWT at all.
    static func invalidTokens(_ count: Int) throws -> [String] {
        let stranger = try SigningKey.generate(.ec(.p256), keyID: "k1")
        let unknownKID = try SigningKey.generate(.ec(.p256), keyID: "unknown")
        return try (0..<count).map { index in
            switch index % 5 {
            case 0: try token(index, key: stranger)
            case 1: try token(index, key: unknownKID)
            case 2: try token(index, issuedAt: now - 10_000)
            case 3: try token(index, audience: "other")
            default: "opaque-\(index)"
            }
        }
    }

    static func isForwarded(_ decision: GateDecision) -> Bool {
        if case .forward = decision { return true }
        return false
    }

    @Test("10,000 unique invalid tokens leave a full cache of good tokens untouched: every good token still hits")
    func floodNeitherGrowsNorEvicts() throws {
        let snapshot = try Self.snapshot(source: "jwks_file: keys.json")
        let state = VerificationState(snapshot: snapshot, keySets: [JWKSet(keys: [Self.key.verificationKey])])
        let good = try (0..<Self.capacity).map { try Self.token(1_000_000 + $0) }
        for token in good { #expect(Self.isForwarded(snapshot.decide(Self.facts(token), state: state, now: Self.now))) }
        #expect(state.cache.count == Self.capacity)

        for token in try Self.invalidTokens(10_000) {
            let decision = snapshot.decide(Self.facts(token), state: state, now: Self.now)
            guard case .reject(let rejection) = decision else {
                Issue.record("an invalid token was not refused: \(decision)")
                return
            }
            #expect(rejection.code == .invalidToken)
        }
        #expect(state.cache.count == Self.capacity)
        for token in good {
            #expect(state.cache.lookup(token[...], now: Self.now, keySet: { _ in state.keySets[0] }) != nil, "a good token was evicted")
        }
    }

    @Test("a remote issuer's unknown kids only ask for a refetch; refused afterwards, none of them enters the cache")
    func unknownKeyIDFloodOnlyAsksForKeys() throws {
        let snapshot = try Self.snapshot(source: "jwks_uri: https://issuer.test/jwks")
        let state = VerificationState(snapshot: snapshot, keySets: [JWKSet(keys: [Self.key.verificationKey])])
        let good = try Self.token(1)
        #expect(Self.isForwarded(snapshot.decide(Self.facts(good), state: state, now: Self.now)))
        for index in 0..<500 {
            let forged = try Self.token(index, key: try SigningKey.generate(.ec(.p256), keyID: "kid-\(index)"))
            guard case .awaitKeys(0) = snapshot.decide(Self.facts(forged), state: state, now: Self.now) else {
                Issue.record("an unknown kid did not ask for issuer 0's keys")
                return
            }
            let again = snapshot.decide(Self.facts(forged), state: state, now: Self.now, resuming: .keysAwaited)
            guard case .reject(let rejection) = again, rejection.code == .invalidToken else {
                Issue.record("an unknown kid was not refused after the refetch: \(again)")
                return
            }
        }
        #expect(state.cache.count == 1)
        #expect(Self.isForwarded(snapshot.decide(Self.facts(good), state: state, now: Self.now)))
    }
}
