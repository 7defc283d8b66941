import Testing
import TollgateCore

/// Step 7 with sender-constrained tokens, through `GatewaySnapshot.decide`:
/// the scheme, the proof header, the binding (also on cache hits), replay
/// and the RFC 9449 §7.1 answers.
@Suite("DPoP: the gatekeeper's checks")
struct GatekeeperDPoPTests {
    typealias F = DPoPFixtures
    static let issuerKey = try! SigningKey.generate(.ec(.p256), keyID: "as-1")
    static let host = "api.example.com"
    static let url = "http://api.example.com/orders"

    static func snapshot(dpop: String = "", publicOrigin: String? = nil, jtis: Int = 100, keys: Int? = nil) throws -> GatewaySnapshot {
        let origin = publicOrigin.map { "\n  public_origin: \($0)" } ?? ""
        let keysLine = keys.map { "\n  dpop_keys: \($0)" } ?? ""
        let yaml = """
            server:
              listen: 127.0.0.1:0\(origin)
            issuers:
              - name: as
                issuer: https://as.test
                audiences: [api]
                jwks_file: keys.json
            \(dpop)
            upstreams:
              - name: app
                targets: [127.0.0.1:9]
            routes:
              - path: /orders
                upstream: app
                scopes: [read]
            cache:
              dpop_jtis: \(jtis)\(keysLine)
            """
        let loaded = try ConfigLoader.load(yaml: yaml, file: "<test>", fileExists: { _ in true })
        return try GatewaySnapshot(config: loaded.config, file: "<test>")
    }

    static func state(_ snapshot: GatewaySnapshot) -> VerificationState {
        VerificationState(snapshot: snapshot, keySets: [JWKSet(keys: [issuerKey.verificationKey])])
    }

    static func token(boundTo key: SigningKey? = F.client, jkt: String? = nil) -> String {
        let thumbprint = jkt ?? key?.jwkThumbprint
        return try! issuerKey.jwt(claims: DevelopmentToken.claims(
            issuer: "https://as.test", audience: "api", subject: "u", scope: "read", issuedAt: F.now, lifetimeSeconds: 600,
            tokenID: "t", confirmation: thumbprint.map { TokenConfirmation(jwkThumbprint: $0) }
        ))
    }

    static func proof(_ token: String, key: SigningKey = F.client, url: String = url, jti: String = "p1", method: String = "GET") -> String {
        try! key.dpopProof(method: method, url: url, accessToken: token, issuedAt: F.now, jti: jti)
    }

    static func facts(_ scheme: String, _ token: String, proofs: [String], host: String = host) -> RequestFacts {
        let dpop: RequestFacts.DPoPHeader = switch proofs.count {
        case 0: .absent
        case 1: .one(proofs[0])
        default: .several
        }
        return RequestFacts(method: "GET", target: "/orders?page=2", host: host, authorization: .one("\(scheme) \(token)"), dpop: dpop)
    }

    static func rejection(_ decision: GateDecision) -> Rejection? {
        if case .reject(let rejection) = decision { rejection } else { nil }
    }

    static func isForward(_ decision: GateDecision) -> Bool {
        if case .forward = decision { true } else { false }
    }

    static func challenge(_ rejection: Rejection?) -> String? {
        rejection?.headers.first { $0.name == "WWW-Authenticate" }?.value
    }

    @Test("a bound token with a fresh proof is admitted; the same proof again is 401 invalid_dpop_proof with the DPoP challenge")
    func admittedThenReplayed() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot)
        let token = Self.token()
        let facts = Self.facts("DPoP", token, proofs: [Self.proof(token)])
        #expect(Self.isForward(snapshot.decide(facts, state: state, now: F.now)))
        let replay = Self.rejection(snapshot.decide(facts, state: state, now: F.now))
        #expect(replay?.code == .invalidDPoPProof)
        #expect(replay?.status == 401)
        #expect(replay?.description == "the DPoP proof has been used before (jti)")
        #expect(Self.challenge(replay) == #"DPoP algs="ES256 ES384 EdDSA RS256 PS256", error="invalid_dpop_proof", error_description="the DPoP proof has been used before (jti)""#)
        #expect(replay?.jsonBody == #"{"error":"invalid_dpop_proof","error_description":"the DPoP proof has been used before (jti)"}"#)
        #expect(replay?.tokenCheck.result == .dpopReplayed)
        #expect(replay?.tokenCheck.cache == .hit)
        // A new proof for the same (now cached) token is admitted.
        #expect(Self.isForward(snapshot.decide(Self.facts("dpop", token, proofs: [Self.proof(token, jti: "p2")]), state: state, now: F.now)))
    }

    @Test("cache.dpop_keys: a loop keeps a proof key once; the next proof by that key takes it from there, not from its jwk")
    func proofKeyCached() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot)
        #expect(state.proofKeys.capacity == DPoPKeyCache.defaultCapacity)
        let token = Self.token()
        #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token)]), state: state, now: F.now)))
        #expect(state.proofKeys.count == 1)
        #expect(state.proofKeys.key(forThumbprint: F.client.jwkThumbprint!) != nil)
        #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "p2")]), state: state, now: F.now)))
        #expect(state.proofKeys.count == 1)

        // The key is taken by thumbprint: one planted under the client's thumbprint is the one that must verify.
        let planted = try Self.snapshot()
        let plantedState = Self.state(planted)
        plantedState.proofKeys.insert(F.otherClient.verificationKey, thumbprint: F.client.jwkThumbprint!)
        let refused = Self.rejection(planted.decide(Self.facts("DPoP", token, proofs: [Self.proof(token)]), state: plantedState, now: F.now))
        #expect(refused?.code == .invalidDPoPProof)
        #expect(refused?.description.contains("signature") == true)
    }

    @Test("cache.dpop_keys: 0 keeps no proof key (a planted one is ignored too); every proof is still verified with its own jwk")
    func proofKeyCacheOff() throws {
        let snapshot = try Self.snapshot(keys: 0)
        let state = Self.state(snapshot)
        #expect(state.proofKeys.capacity == 0)
        state.proofKeys.insert(F.otherClient.verificationKey, thumbprint: F.client.jwkThumbprint!)
        #expect(state.proofKeys.count == 0)
        let token = Self.token()
        for jti in ["p1", "p2", "p3"] {
            #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, jti: jti)]), state: state, now: F.now)))
            #expect(state.proofKeys.count == 0)
        }
        let forged = try F.otherClient.dpopProof(method: "GET", url: Self.url, accessToken: token, issuedAt: F.now, jti: "p4")
        #expect(Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [forged]), state: state, now: F.now))?.code == .invalidDPoPProof)
        #expect(state.proofKeys.count == 0)
    }

    @Test("the replay store is one per snapshot, shared by every loop's state")
    func replayAcrossLoops() throws {
        let snapshot = try Self.snapshot()
        let token = Self.token()
        let facts = Self.facts("DPoP", token, proofs: [Self.proof(token)])
        #expect(Self.isForward(snapshot.decide(facts, state: Self.state(snapshot), now: F.now)))
        #expect(Self.rejection(snapshot.decide(facts, state: Self.state(snapshot), now: F.now))?.code == .invalidDPoPProof)
        // A reload that passes the store on keeps refusing it.
        let reloaded = try GatewaySnapshot(config: snapshot.config, file: "<test>", replayStore: snapshot.replayStore)
        #expect(Self.rejection(reloaded.decide(facts, state: Self.state(reloaded), now: F.now))?.code == .invalidDPoPProof)
    }

    @Test("a bound token with the Bearer scheme is 401 invalid_token, also when it is cached")
    func boundTokenWithBearer() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot)
        let token = Self.token()
        let first = Self.rejection(snapshot.decide(Self.facts("Bearer", token, proofs: [Self.proof(token)]), state: state, now: F.now))
        #expect(first?.code == .invalidToken)
        #expect(Self.challenge(first)?.hasPrefix(#"DPoP algs="#) == true)
        #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token)]), state: state, now: F.now)))
        #expect(state.cache.count == 1)
        let cached = Self.rejection(snapshot.decide(Self.facts("Bearer", token, proofs: []), state: state, now: F.now))
        #expect(cached?.code == .invalidToken)
        #expect(cached?.description.contains("bound to a DPoP key") == true)
    }

    @Test("cnf.jkt mismatch: a proof by another key is refused, on a cache miss and on a hit")
    func bindingMismatch() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot)
        let token = Self.token()
        let other = Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, key: F.otherClient)]), state: state, now: F.now))
        #expect(other?.code == .invalidDPoPProof)
        #expect(other?.description == "the DPoP proof's key is not the key the token is bound to (cnf.jkt)")
        #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "ok")]), state: state, now: F.now)))
        let hit = Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, key: F.otherClient, jti: "x")]), state: state, now: F.now))
        #expect(hit?.code == .invalidDPoPProof)
    }

    @Test("two DPoP headers are 400 invalid_request; none with the DPoP scheme is 401 invalid_dpop_proof")
    func proofHeaderCount() throws {
        let snapshot = try Self.snapshot()
        let token = Self.token()
        let two = Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token), Self.proof(token, jti: "b")]), state: Self.state(snapshot), now: F.now))
        #expect(two?.code == .invalidRequest)
        #expect(two?.status == 400)
        let none = Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: []), state: Self.state(snapshot), now: F.now))
        #expect(none?.code == .invalidDPoPProof)
        #expect(none?.description == "the request has no DPoP proof header")
    }

    @Test("the proof's own rejections reach the answer: htm, htu (query ignored), ath")
    func proofRejections() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot)
        let token = Self.token()
        func refusal(_ proof: String) -> String? {
            Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [proof]), state: state, now: F.now))?.description
        }
        #expect(refusal(Self.proof(token, method: "POST")) == DPoPProofError.wrongMethod.description)
        #expect(refusal(Self.proof(token, url: "http://api.example.com:8080/orders")) == DPoPProofError.wrongURI.description)
        #expect(refusal(Self.proof(token, url: "http://other.example.com/orders")) == DPoPProofError.wrongURI.description)
        #expect(refusal(Self.proof(Self.token(boundTo: F.otherClient))) == DPoPProofError.wrongAccessTokenHash.description)
        #expect(refusal(Self.proof(token, url: "http://API.example.com:80/orders?page=9", jti: "q")) == nil)
    }

    @Test("public_origin is the origin of htu, whatever Host says")
    func publicOrigin() throws {
        let snapshot = try Self.snapshot(publicOrigin: "https://api.example.com")
        let state = Self.state(snapshot)
        let token = Self.token()
        let behindProxy = Self.facts("DPoP", token, proofs: [Self.proof(token, url: "https://api.example.com/orders")], host: "10.0.0.7:8080")
        #expect(Self.isForward(snapshot.decide(behindProxy, state: state, now: F.now)))
        let wrong = Self.facts("DPoP", token, proofs: [Self.proof(token, url: "http://10.0.0.7:8080/orders", jti: "b")], host: "10.0.0.7:8080")
        #expect(Self.rejection(snapshot.decide(wrong, state: state, now: F.now))?.description == DPoPProofError.wrongURI.description)
    }

    @Test("optional mode: an unbound token works with Bearer (any DPoP header ignored), not with DPoP")
    func unboundTokens() throws {
        let snapshot = try Self.snapshot()
        let token = Self.token(boundTo: nil)
        #expect(Self.isForward(snapshot.decide(Self.facts("Bearer", token, proofs: ["junk", "junk"]), state: Self.state(snapshot), now: F.now)))
        let dpop = Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token)]), state: Self.state(snapshot), now: F.now))
        #expect(dpop?.code == .invalidToken)
        #expect(dpop?.description.contains("no cnf.jkt") == true)
    }

    @Test("required mode: every token needs the DPoP scheme, a binding and a proof")
    func requiredMode() throws {
        let snapshot = try Self.snapshot(dpop: "    dpop: {mode: required, algorithms: [EdDSA]}")
        let state = Self.state(snapshot)
        let unbound = Self.token(boundTo: nil)
        let bearer = Self.rejection(snapshot.decide(Self.facts("Bearer", unbound, proofs: []), state: state, now: F.now))
        #expect(bearer?.code == .invalidToken)
        #expect(Self.challenge(bearer)?.hasPrefix(#"DPoP algs="EdDSA", error="invalid_token""#) == true)
        let ed = Self.token(boundTo: F.edClient)
        #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", ed, proofs: [Self.proof(ed, key: F.edClient)]), state: state, now: F.now)))
        // ES256 is not among this issuer's proof algorithms.
        let es = Self.token()
        #expect(Self.rejection(snapshot.decide(Self.facts("DPoP", es, proofs: [Self.proof(es)]), state: state, now: F.now))?.description
            == DPoPProofError.algorithmNotAllowed(.es256).description)
    }

    @Test("a full replay store fails closed: 401, and the remembered proofs stay refused")
    func storeFull() throws {
        let snapshot = try Self.snapshot(jtis: 1)
        let state = Self.state(snapshot)
        let token = Self.token()
        #expect(Self.isForward(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "a")]), state: state, now: F.now)))
        let full = Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "b")]), state: state, now: F.now))
        #expect(full?.code == .invalidDPoPProof)
        #expect(full?.description.contains("replay store is full") == true)
        #expect(full?.tokenCheck.result?.label == "replay_store_unavailable")
        #expect(Self.rejection(snapshot.decide(Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "a")]), state: state, now: F.now))?.description
            == "the DPoP proof has been used before (jti)")
    }

    @Test("a Redis replay store: the core asks the server, then decides with its verdict (fresh, replayed, unavailable)")
    func remoteReplayStore() throws {
        let snapshot = try Self.snapshot(dpop: "    dpop: {replay: redis://127.0.0.1:6390/0}")
        let state = Self.state(snapshot)
        let token = Self.token()
        let facts = Self.facts("DPoP", token, proofs: [Self.proof(token)])
        guard case .checkReplay(let check) = snapshot.decide(facts, state: state, now: F.now) else {
            Issue.record("expected .checkReplay")
            return
        }
        #expect(check.jti == "p1")
        #expect(check.issuer == "as")
        #expect(check.expiresAt == F.now + 60 + 30)
        #expect(check.remainingSeconds(now: F.now) == 90)
        #expect(snapshot.replayStore.count == 0)
        #expect(Self.isForward(snapshot.decide(facts, state: state, now: F.now, resuming: .replayChecked(check, .fresh))))
        #expect(Self.rejection(snapshot.decide(facts, state: state, now: F.now, resuming: .replayChecked(check, .replayed)))?.code == .invalidDPoPProof)
        let down = Self.rejection(snapshot.decide(facts, state: state, now: F.now, resuming: .replayChecked(check, .unavailable("Redis at redis://127.0.0.1:6390/0 is unreachable"))))
        #expect(down?.code == .invalidDPoPProof)
        #expect(down?.description == "the DPoP proof could not be checked for replay: Redis at redis://127.0.0.1:6390/0 is unreachable")
        // The token was a miss when the core asked; deciding again finds it cached by that first
        // decision, and it is still counted (and logged) as the miss it was.
        guard case .forward(let admission) = snapshot.decide(facts, state: state, now: F.now, resuming: .replayChecked(check, .fresh)) else {
            Issue.record("expected .forward")
            return
        }
        #expect(admission.tokenCheck.cache == .miss)
        // The same token with a new proof is a hit in both decisions.
        let again = Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "p3")])
        guard case .checkReplay(let hitCheck) = snapshot.decide(again, state: state, now: F.now),
              case .forward(let hit) = snapshot.decide(again, state: state, now: F.now, resuming: .replayChecked(hitCheck, .fresh))
        else {
            Issue.record("expected .checkReplay, then .forward")
            return
        }
        #expect(hit.tokenCheck.cache == .hit)
        // A verdict about another proof does not apply: the core asks again.
        let otherFacts = Self.facts("DPoP", token, proofs: [Self.proof(token, jti: "p2")])
        guard case .checkReplay = snapshot.decide(otherFacts, state: state, now: F.now, resuming: .replayChecked(check, .fresh)) else {
            Issue.record("expected .checkReplay for another proof")
            return
        }
    }
}

extension GatekeeperDPoPTests {
    @Test("cnf.x5t#S256: the connection's certificate must match; none (no TLS listener yet) or another is 401 invalid_token")
    func certificateBound() throws {
        let snapshot = try Self.snapshot()
        let state = Self.state(snapshot)
        let token = try Self.issuerKey.jwt(claims: DevelopmentToken.claims(
            issuer: "https://as.test", audience: "api", subject: "u", scope: "read", issuedAt: F.now, lifetimeSeconds: 600,
            tokenID: "t", confirmation: TokenConfirmation(certificateThumbprint: "cert-thumbprint")
        ))
        func facts(_ thumbprint: String?) -> RequestFacts {
            RequestFacts(method: "GET", target: "/orders", host: Self.host, authorization: .one("Bearer \(token)"), clientCertificateThumbprint: thumbprint)
        }
        let none = Self.rejection(snapshot.decide(facts(nil), state: state, now: F.now))
        #expect(none?.code == .invalidToken)
        #expect(Self.challenge(none)?.hasPrefix(#"Bearer realm="tollgate", error="invalid_token""#) == true)
        #expect(Self.rejection(snapshot.decide(facts("other"), state: state, now: F.now))?.code == .invalidToken)
        #expect(Self.isForward(snapshot.decide(facts("cert-thumbprint"), state: state, now: F.now)))
        // Cached now: the binding is still checked.
        #expect(Self.rejection(snapshot.decide(facts(nil), state: state, now: F.now))?.code == .invalidToken)
    }

    @Test("cnf of the wrong shape makes the token invalid")
    func malformedConfirmation() throws {
        let snapshot = try Self.snapshot()
        var claims = DevelopmentToken.claims(issuer: "https://as.test", audience: "api", subject: "u", scope: "read", issuedAt: F.now, lifetimeSeconds: 600, tokenID: "t")
        claims = JSONObject(uniqueKeysWithValues: zip(claims.keys, claims.values).map { ($0, $1) } + [("cnf", .string("jkt"))])
        let token = try Self.issuerKey.jwt(claims: claims)
        let rejection = Self.rejection(snapshot.decide(Self.facts("Bearer", token, proofs: []), state: Self.state(snapshot), now: F.now))
        #expect(rejection?.description == "the token's cnf claim is not an object")
    }
}

extension GatekeeperDPoPTests {
    @Test("an introspected token bound by cnf.jkt, with a Redis store: introspect, check replay, admit — never asking twice")
    func introspectedThenRedis() throws {
        let yaml = """
            server:
              listen: 127.0.0.1:0
            issuers:
              - name: opaque
                introspection: {endpoint: https://as.test/introspect, client_id: c, client_secret_env: S}
                dpop: {replay: redis://127.0.0.1:6390/0}
            upstreams:
              - name: app
                targets: [127.0.0.1:9]
            routes:
              - path: /orders
                upstream: app
                scopes: [read]
            """
        let snapshot = try GatewaySnapshot(config: try ConfigLoader.load(yaml: yaml, file: "<test>", fileExists: { _ in true }).config)
        let state = VerificationState(snapshot: snapshot, keySets: [nil])
        let token = "opaque-token-value"
        let facts = Self.facts("DPoP", token, proofs: [Self.proof(token)])
        guard case .introspect = snapshot.decide(facts, state: state, now: F.now) else {
            Issue.record("expected .introspect")
            return
        }
        let answer = try IntrospectionResult(members: JSONObject(uniqueKeysWithValues: [
            ("active", .bool(true)), ("scope", .string("read")),
            ("cnf", .object(JSONObject(uniqueKeysWithValues: [("jkt", .string(F.client.jwkThumbprint!))]))),
        ]))
        guard case .checkReplay(let check) = snapshot.decide(facts, state: state, now: F.now, resuming: .introspection(answer)) else {
            Issue.record("expected .checkReplay")
            return
        }
        #expect(Self.isForward(snapshot.decide(facts, state: state, now: F.now, resuming: .replayChecked(check, .fresh))))
        #expect(Self.rejection(snapshot.decide(facts, state: state, now: F.now, resuming: .replayChecked(check, .replayed)))?.code == .invalidDPoPProof)
        // The same introspected token as Bearer: bound, so refused.
        let bearer = Self.facts("Bearer", token, proofs: [])
        #expect(Self.rejection(snapshot.decide(bearer, state: state, now: F.now, resuming: .introspection(answer)))?.code == .invalidToken)
    }
}
