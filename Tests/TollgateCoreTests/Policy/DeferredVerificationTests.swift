import Testing
import TollgateCore

/// `decide(..., deferringVerification: true)`: a token the cache does not hold
/// is handed back as `.verifyLater`, and deciding again with
/// `.verificationTurn` gives what deciding at once would have given.
@Suite("Gatekeeper: verification deferred to the loop's batch")
struct DeferredVerificationTests {
    typealias F = GatekeeperResumptionTests

    static func deferred(_ snapshot: GatewaySnapshot, _ facts: RequestFacts, _ state: VerificationState) -> GateDecision {
        snapshot.decide(facts, state: state, now: F.now, deferringVerification: true)
    }

    @Test("a miss waits for its turn; the turn forwards as an immediate decision would, and fills the cache")
    func missThenTurn() throws {
        let snapshot = try F.snapshot()
        let key = try SigningKey.generate(.ec(.p256), keyID: "k1")
        let state = F.state(snapshot, keys: [key])
        let facts = F.facts(try F.jwt(key))
        guard case .verifyLater = Self.deferred(snapshot, facts, state) else {
            Issue.record("expected .verifyLater")
            return
        }
        #expect(state.cache.count == 0, "nothing is verified or cached before the turn")
        guard case .forward(let admission) = snapshot.decide(facts, state: state, now: F.now, resuming: .verificationTurn) else {
            Issue.record("expected .forward")
            return
        }
        #expect(admission.tokenCheck.cache == .miss)
        #expect(admission.identityHeaders.map(\.value) == ["u", "read"])
        #expect(state.cache.count == 1)
        // The next request with the token is a hit, decided at once even when deferring.
        guard case .forward(let hit) = Self.deferred(snapshot, facts, state) else {
            Issue.record("expected a hit to forward at once")
            return
        }
        #expect(hit.tokenCheck.cache == .hit)
    }

    @Test("a bad token's turn is the refusal an immediate decision gives, and it is not cached")
    func badTokenTurn() throws {
        let snapshot = try F.snapshot()
        let key = try SigningKey.generate(.ec(.p256), keyID: "k1")
        let state = F.state(snapshot, keys: [key])
        var token = Array(try F.jwt(key).utf8)
        token[token.count - 5] = token[token.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let facts = F.facts(String(decoding: token, as: UTF8.self))
        guard case .reject(let now) = snapshot.decide(facts, state: state, now: F.now) else {
            Issue.record("expected an immediate rejection")
            return
        }
        guard case .verifyLater = Self.deferred(snapshot, facts, state),
              case .reject(let later) = snapshot.decide(facts, state: state, now: F.now, resuming: .verificationTurn)
        else {
            Issue.record("expected .verifyLater, then a rejection")
            return
        }
        #expect(later.code == now.code)
        #expect(later.description == now.description)
        #expect(state.cache.count == 0)
    }

    @Test("an unknown kid's turn asks for keys, as an immediate decision does")
    func unknownKeyIDTurn() throws {
        let snapshot = try F.snapshot()
        let state = F.state(snapshot, keys: [try SigningKey.generate(.ec(.p256), keyID: "k1")])
        let facts = F.facts(try F.jwt(try SigningKey.generate(.ec(.p256), keyID: "k2")))
        guard case .verifyLater = Self.deferred(snapshot, facts, state),
              case .awaitKeys(let issuer) = snapshot.decide(facts, state: state, now: F.now, resuming: .verificationTurn)
        else {
            Issue.record("expected .verifyLater, then .awaitKeys")
            return
        }
        #expect(issuer == 0)
    }

    @Test("an opaque token's turn goes to introspection")
    func opaqueTokenTurn() throws {
        let snapshot = try F.snapshot()
        let state = F.state(snapshot, keys: [])
        let facts = F.facts("opaque-token")
        guard case .verifyLater = Self.deferred(snapshot, facts, state),
              case .introspect(let token, _) = snapshot.decide(facts, state: state, now: F.now, resuming: .verificationTurn)
        else {
            Issue.record("expected .verifyLater, then .introspect")
            return
        }
        #expect(token == "opaque-token")
    }

    @Test("no token, a malformed Authorization, a preflight and an unknown path are decided at once")
    func nothingToVerify() throws {
        let snapshot = try F.snapshot()
        let state = F.state(snapshot, keys: [])
        let cases = [
            RequestFacts(method: "GET", target: "/read", host: "a", authorization: .absent),
            RequestFacts(method: "GET", target: "/read", host: "a", authorization: .several),
            RequestFacts(method: "GET", target: "/read", host: "a", authorization: .one("Bearer ")),
            RequestFacts(method: "GET", target: "/nowhere", host: "a", authorization: .one("Bearer x.y.z")),
        ]
        for facts in cases {
            guard case .reject = Self.deferred(snapshot, facts, state) else {
                Issue.record("expected an immediate rejection for \(facts)")
                continue
            }
        }
    }
}
