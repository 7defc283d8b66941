import Testing
import TollgateCore

@Suite("DPoP: proof verification (RFC 9449 §4.3)")
struct DPoPProofVerifierTests {
    typealias F = DPoPFixtures
    static let verifier = DPoPProofVerifier(policy: DPoPPolicy(maxAgeSeconds: 60, leewaySeconds: 5))

    static func verify(
        _ proof: String, method: String = "GET", uri: DPoPTargetURI = F.uri, token: Substring? = Substring(F.accessToken),
        now: Int64 = F.now, verifier: DPoPProofVerifier = verifier, cache: DPoPKeyCache? = nil
    ) throws(DPoPProofError) -> VerifiedDPoPProof {
        try verifier.verify(proof, method: method, uri: uri, accessToken: token, now: now, keyCache: cache)
    }

    static func error(_ proof: String, method: String = "GET", uri: DPoPTargetURI = F.uri, token: Substring? = Substring(F.accessToken), now: Int64 = F.now) -> DPoPProofError? {
        do {
            _ = try verify(proof, method: method, uri: uri, token: token, now: now)
            return nil
        } catch {
            return error
        }
    }

    /// RFC 9449 §4.1's example proof (a token request, so no `ath`).
    static let rfcExample = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"

    @Test("RFC 9449 §4.1: the example proof verifies, and its key's thumbprint is §6.1's cnf.jkt")
    func rfcExampleProof() throws {
        let proof = try Self.verify(Self.rfcExample, method: "POST", uri: try #require(DPoPTargetURI("https://server.example.com/token")), token: nil, now: 1_562_262_616)
        #expect(proof.jti == "-BwC3ESc6acc2lTc")
        #expect(proof.issuedAt == 1_562_262_616)
        #expect(proof.jwkThumbprint == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
    }

    @Test("a fresh proof by the client's key verifies (ES256 and EdDSA), with the key's thumbprint")
    func validProofs() throws {
        #expect(try Self.verify(F.proof()).jwkThumbprint == F.client.jwkThumbprint)
        #expect(try Self.verify(F.proof(key: F.edClient)).jwkThumbprint == F.edClient.jwkThumbprint)
    }

    @Test("htm must be the request method, exactly")
    func wrongMethod() {
        #expect(Self.error(F.proof(method: "POST")) == .wrongMethod)
        #expect(Self.error(F.proof(method: "get")) == .wrongMethod)
    }

    @Test("htu must name this request: another host, port, scheme or path is refused; the query is ignored; normalisation applies")
    func htu() {
        #expect(Self.error(F.proof(url: "https://evil.example.com/orders")) == .wrongURI)
        #expect(Self.error(F.proof(url: "https://api.example.com:8443/orders")) == .wrongURI)
        #expect(Self.error(F.proof(url: "http://api.example.com/orders")) == .wrongURI)
        #expect(Self.error(F.proof(url: "https://api.example.com/orders/1")) == .wrongURI)
        #expect(Self.error(F.proof(url: "https://api.example.com/orders?id=1")) == nil)
        #expect(Self.error(F.proof(), uri: DPoPTargetURI("https://api.example.com/orders?other=2")!) == nil)
        #expect(Self.error(F.proof(url: "HTTPS://API.EXAMPLE.COM:443/%6Frders")) == nil)
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims([("htu", .string("/orders"))]))) == .invalidClaim("htu", "is not an absolute http(s) URI"))
    }

    @Test("iat: older than max_age + leeway, or further ahead than the leeway, is refused; the edges are accepted")
    func issuedAt() {
        #expect(Self.error(F.proof(issuedAt: F.now - 65)) == nil)
        #expect(Self.error(F.proof(issuedAt: F.now - 66)) == .tooOld)
        #expect(Self.error(F.proof(issuedAt: F.now + 5)) == nil)
        #expect(Self.error(F.proof(issuedAt: F.now + 6)) == .issuedInFuture)
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims([("iat", .string("now"))]))) == .invalidClaim("iat", "is not a number"))
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims([("iat", nil)]))) == .missingClaim("iat"))
    }

    @Test("ath: missing or for another token is refused")
    func accessTokenHash() {
        #expect(Self.error(F.proof(token: nil)) == .missingClaim("ath"))
        #expect(Self.error(F.proof(token: "another.access.token")) == .wrongAccessTokenHash)
        #expect(Self.error(F.proof(), token: "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiIn0.c2ln") == .wrongAccessTokenHash)
    }

    @Test("jti, htm, htu must be non-empty strings; an overlong jti is refused")
    func requiredClaims() {
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims([("jti", nil)]))) == .missingClaim("jti"))
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims([("jti", .string(""))]))) == .invalidClaim("jti", "is not a non-empty string"))
        #expect(Self.error(F.proof(jti: String(repeating: "j", count: 257))) == .invalidClaim("jti", "is longer than 256 bytes"))
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims([("htm", .number(JSONNumber(1)))]))) == .invalidClaim("htm", "is not a non-empty string"))
    }

    @Test("typ must be dpop+jwt")
    func type() {
        #expect(Self.error(F.forged(header: F.header(typ: nil), claims: F.claims())) == .wrongType)
        #expect(Self.error(F.forged(header: F.header(typ: "JWT"), claims: F.claims())) == .wrongType)
        #expect(Self.error(F.forged(header: F.header(typ: "application/dpop+jwt"), claims: F.claims())) == nil)
    }

    @Test("symmetric, unlisted, unknown and none algorithms are refused")
    func algorithms() throws {
        let hmac = try SigningKey(hmacSecret: Array("a shared secret of at least thirty-two bytes".utf8))
        #expect(Self.error(F.forged(header: F.header(alg: "HS256"), claims: F.claims(), signer: hmac, algorithm: .hs256)) == .algorithmNotAllowed(.hs256))
        let p521 = try SigningKey.generate(.ec(.p521))
        #expect(Self.error(F.forged(header: F.header(alg: "ES512", jwk: .object(p521.publicJWK!)), claims: F.claims(), signer: p521, algorithm: .es512)) == .algorithmNotAllowed(.es512))
        let unsigned = Base64URL.encode(Array(F.header(alg: "none").jsonText.utf8)) + "." + Base64URL.encode(Array(F.claims().jsonText.utf8)) + "."
        #expect(Self.error(unsigned) == .algorithmNotAllowed(nil))
        #expect(Self.error(F.forged(header: F.header(alg: "XS256"), claims: F.claims())) == .algorithmNotAllowed(nil))
    }

    @Test("the jwk: missing, not an object, with a private part, symmetric, or unfit for alg")
    func keys() throws {
        #expect(Self.error(F.forged(header: F.header(jwk: nil), claims: F.claims())) == .missingKey)
        #expect(Self.error(F.forged(header: F.header(jwk: .string("k")), claims: F.claims())) == .invalidKey("it is not a JSON object"))
        var members = F.client.publicJWK!.keys.indices.map { (F.client.publicJWK!.keys[$0], F.client.publicJWK!.values[$0]) }
        members.append(("d", .string("AAAA")))
        #expect(Self.error(F.forged(header: F.header(jwk: .object(JSONObject(uniqueKeysWithValues: members))), claims: F.claims())) == .privateKey)
        let oct = JSONObject(uniqueKeysWithValues: [("kty", .string("oct")), ("k", .string("c2VjcmV0"))])
        #expect(Self.error(F.forged(header: F.header(jwk: .object(oct)), claims: F.claims())) == .privateKey)
        #expect(Self.error(F.forged(header: F.header(jwk: .object(F.edClient.publicJWK!)), claims: F.claims())) == .invalidKey("its key type cannot verify ES256"))
        let offCurve = JSONObject(uniqueKeysWithValues: [("kty", .string("EC")), ("crv", .string("P-256")),
                                                         ("x", .string(Base64URL.encode([UInt8](repeating: 1, count: 32)))),
                                                         ("y", .string(Base64URL.encode([UInt8](repeating: 2, count: 32))))])
        #expect(Self.error(F.forged(header: F.header(jwk: .object(offCurve)), claims: F.claims())) == .invalidKey("invalid key material: the point is not on curve P-256"))
    }

    @Test("a proof signed by another key than its jwk is refused")
    func signedByAnotherKey() {
        #expect(Self.error(F.forged(header: F.header(), claims: F.claims(), signer: F.otherClient)) == .badSignature)
        let proof = F.proof()
        let parts = proof.split(separator: ".")
        let tampered = parts[0] + "." + Base64URL.encode(Array(F.claims([("htm", .string("GET")), ("jti", .string("jti-2"))]).jsonText.utf8)) + "." + parts[2]
        #expect(Self.error(String(tampered)) == .badSignature)
    }

    @Test("malformed proofs are refused with a reason that speaks of the proof")
    func malformed() {
        for text in ["", "abc", "a.b", "a.b.c.d", "eyJ.e30.", "%%%.e30.AA"] {
            guard case .malformed(let reason)? = Self.error(text) else {
                Issue.record("expected a malformed proof for \(text)")
                continue
            }
            #expect(!reason.contains("token"))
        }
    }

    @Test("a seen key is taken from the cache by thumbprint, not built again; the cache is bounded")
    func keyCache() throws {
        let cache = DPoPKeyCache(capacity: 2)
        _ = try Self.verify(F.proof(), cache: cache)
        #expect(cache.count == 1)
        #expect(cache.key(forThumbprint: F.client.jwkThumbprint!) != nil)
        _ = try Self.verify(F.proof(jti: "2"), cache: cache)
        #expect(cache.count == 1)
        _ = try Self.verify(F.proof(key: F.edClient), cache: cache)
        _ = try Self.verify(F.proof(key: F.otherClient), cache: cache)
        #expect(cache.count == 2)
        #expect(cache.key(forThumbprint: F.client.jwkThumbprint!) == nil)
        // A signature by another key still fails with the cached key.
        #expect(throws: DPoPProofError.badSignature) {
            try Self.verify(F.forged(header: F.header(jwk: .object(F.otherClient.publicJWK!)), claims: F.claims(), signer: F.client), cache: cache)
        }
    }
}
