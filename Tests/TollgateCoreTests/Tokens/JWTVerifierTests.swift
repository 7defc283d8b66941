import Testing
import TollgateCore

@Suite struct JWTVerifierTests {
    typealias F = TokenFixtures
    let verifier = JWTVerifier(policy: F.policy())

    private func verify(_ token: String, verifier: JWTVerifier? = nil, keys: JWKSet = F.keySet, now: Int64 = F.now) throws(TokenError) -> VerifiedToken {
        try (verifier ?? self.verifier).verify(token, keys: keys, now: now)
    }

    private func number(_ text: String) -> JSONValue {
        try! JSONParser.parse(text)
    }

    private func error(_ token: String, verifier: JWTVerifier? = nil, keys: JWKSet = F.keySet, now: Int64 = F.now) -> TokenError? {
        do {
            _ = try verify(token, verifier: verifier, keys: keys, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsAValidTokenAndExtractsWhatThePipelineNeeds() throws {
        let verified = try verify(F.token(type: "at+jwt"))
        #expect(verified.issuer == "tenant-eu")
        #expect(verified.subject == "alice")
        #expect(verified.clientID == "dashboard-spa")
        #expect(verified.scopes == ["apps:read", "apps:write"])
        #expect(verified.expiresAt == F.now + 3600)
        #expect(verified.algorithm == .rs256)
        #expect(verified.keyID == "rsa-1")
        #expect(verified.keyIdentity == F.rsa.verificationKey.identity)
    }

    // MARK: alg

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func rejectsUnsignedTokensInAnySpelling(_ alg: String) {
        let payload = F.claims().jsonText
        for signature in [[], [0x41]] as [[UInt8]] {
            let token = F.forged(header: #"{"alg":"\#(alg)","typ":"JWT"}"#, payload: payload, signature: signature)
            #expect(error(token) == .unsigned)
            #expect(error(token)?.metricLabel == "alg_not_allowed")
        }
    }

    @Test func rejectsUnknownAndDisallowedAlgorithms() {
        #expect(error(F.forged(header: #"{"alg":"RS1"}"#, payload: F.claims().jsonText)) == .unsupportedAlgorithm)
        #expect(error(F.forged(header: #"{"alg":"rs256"}"#, payload: F.claims().jsonText)) == .unsupportedAlgorithm)
        let rsOnly = JWTVerifier(policy: F.policy(algorithms: [.rs256]))
        #expect(error(F.token(key: F.p256), verifier: rsOnly) == .algorithmNotAllowed(.es256))
        #expect(error(F.token(key: F.rsa, algorithm: .ps256), verifier: rsOnly) == .algorithmNotAllowed(.ps256))
        #expect((try? verify(F.token(key: F.rsa), verifier: rsOnly)) != nil)
    }

    /// HS256 "signed" with the bytes of the issuer's RSA public key: the classic
    /// confusion attack. RSA keys never verify HS*, so no key can check it.
    @Test func rejectsAlgorithmConfusion() throws {
        let publicPEM = try #require(F.rsa.publicKeyPEM)
        let forger = try SigningKey(hmacSecret: Array(publicPEM.utf8))
        let rsaOnly = JWKSet(keys: [F.rsa.verificationKey])
        let jwkBytes = Array(JSONValue.object(F.rsa.verificationJWK).jsonText.utf8)
        let forgerFromJWK = try SigningKey(hmacSecret: jwkBytes)
        for key in [forger, forgerFromJWK] {
            let withKid = F.forged(header: #"{"alg":"HS256","kid":"rsa-1"}"#, payload: F.claims().jsonText, key: key, algorithm: .hs256)
            let withoutKid = F.forged(header: #"{"alg":"HS256"}"#, payload: F.claims().jsonText, key: key, algorithm: .hs256)
            #expect(error(withKid, keys: rsaOnly) == .noUsableKey(.hs256))
            #expect(error(withoutKid, keys: rsaOnly) == .noUsableKey(.hs256))
        }
        #expect(throws: KeyError.self) { try VerificationKey(pem: publicPEM, algorithm: .hs256) }
    }

    @Test func rejectsAKidThatNamesAKeyOfAnotherType() {
        // "ec-1" is a P-256 key; an RS256 token naming it must not be checked with another key.
        let token = F.forged(header: #"{"alg":"RS256","kid":"ec-1"}"#, payload: F.claims().jsonText, key: F.rsa)
        #expect(error(token) == .noUsableKey(.rs256))
        #expect(error(token)?.metricLabel == "key_mismatch")
    }

    @Test func reportsAnUnknownKidDistinctly() {
        let token = F.forged(header: #"{"alg":"RS256","kid":"rotated-in"}"#, payload: F.claims().jsonText, key: F.rsa)
        #expect(error(token) == .unknownKeyID)
        #expect(error(token)?.metricLabel == "unknown_kid")
    }

    @Test func triesEveryKeyOfTheRightTypeWithoutKid() throws {
        let other = try SigningKey.generate(.ec(.p256))
        let keys = JWKSet(keys: [other.verificationKey, F.rsa.verificationKey, F.p256.verificationKey])
        let token = F.forged(header: #"{"alg":"ES256"}"#, payload: F.claims().jsonText, key: F.p256, algorithm: .es256)
        #expect(try verify(token, keys: keys).keyIdentity == F.p256.verificationKey.identity)
        let unknown = F.forged(header: #"{"alg":"ES256"}"#, payload: F.claims().jsonText, key: try SigningKey.generate(.ec(.p256)), algorithm: .es256)
        #expect(error(unknown, keys: keys) == .badSignature)
    }

    @Test func honoursAJWKsAlgRestriction() throws {
        let published = F.rsa.verificationJWK
        let members: [(String, JSONValue)] = zip(published.keys, published.values).map { name, value in
            (name, name == "alg" ? JSONValue.string("PS256") : value)
        }
        let jwk = JSONObject(uniqueKeysWithValues: members)
        let restricted = JWKSet(keys: [try VerificationKey(jwk: jwk)])
        #expect(error(F.token(key: F.rsa, algorithm: .rs256), keys: restricted) == .noUsableKey(.rs256))
        #expect((try? verify(F.token(key: F.rsa, algorithm: .ps256), keys: restricted)) != nil)
    }

    // MARK: structure

    @Test(arguments: [
        ("", MalformedToken.segmentCount),
        ("abc", .segmentCount),
        ("eyJhbGciOiJSUzI1NiJ9.e30", .segmentCount),
        ("eyJhbGciOiJSUzI1NiJ9.e30.AQID.AQID", .segmentCount),
        ("eyJhbGciOiJSUzI1NiJ9..", .notJSON(.claims)),
        ("eyJhbGciOiJSUzI1NiJ9=.e30.AQID", .notBase64URL(.header)),
        ("eyJhbGciOiJSUzI1NiJ9.e30=.AQID", .notBase64URL(.claims)),
        ("eyJhbGciOiJSUzI1NiJ9.e30.AQID==", .notBase64URL(.signature)),
        ("eyJhbGciOiJSUzI1NiJ9.e3+.AQID", .notBase64URL(.claims)),
        ("eyJhbGciOiJSUzI1NiJ9.e30.AQ/D", .notBase64URL(.signature)),
        ("eyJhbGciOiJSUzI1NiJ9.e30 .AQID", .notBase64URL(.claims)),
        ("eyJhbGciOiJSUzI1NiJ9.e31.AQID", .notBase64URL(.claims)), // "e31": non-zero unused bits
        ("eyJhbGciOiJSUzI1NiJ8.e30.AQID", .notJSON(.header)), // last character changed: "}" became "|"
    ])
    func rejectsMalformedStructure(_ token: String, _ expected: MalformedToken) {
        #expect(error(token) == .malformed(expected))
        #expect(error(token)?.metricLabel == "malformed")
    }

    @Test func rejectsAHugeHeaderBeforeDecodingIt() {
        // Not even base64url: the size check must come first.
        let huge = String(repeating: "!", count: CompactJWS.maxEncodedHeaderBytes + 1) + ".e30.AQID"
        #expect(error(huge) == .malformed(.headerTooLarge(limit: 8192)))
        let large = Base64URL.encode(Array((#"{"alg":"RS256","x":""# + String(repeating: "a", count: 7000) + #""}"#).utf8))
        #expect(error(large + ".e30.AQID") == .malformed(.headerTooLarge(limit: 8192)))
    }

    @Test func rejectsHeadersAndClaimsThatAreNotObjects() {
        #expect(error(F.forged(header: #"["alg","RS256"]"#, payload: "{}")) == .malformed(.notAnObject(.header)))
        #expect(error(F.forged(header: #""RS256""#, payload: "{}")) == .malformed(.notAnObject(.header)))
        #expect(error(F.forged(header: #"{"alg":RS256}"#, payload: "{}")) == .malformed(.notJSON(.header)))
        #expect(error(F.forged(header: #"{"alg":"RS256"}"#, payload: #""claims""#, key: F.rsa)) == .malformed(.notAnObject(.claims)))
        #expect(error(F.forged(header: #"{"alg":"RS256"}"#, payload: "[]", key: F.rsa)) == .malformed(.notAnObject(.claims)))
        #expect(error(F.forged(header: #"{"alg":"RS256"}"#, payload: "{", key: F.rsa)) == .malformed(.notJSON(.claims)))
        #expect(error(F.forged(header: #"{"typ":"JWT"}"#, payload: "{}")) == .malformed(.missingAlgorithm))
        #expect(error(F.forged(header: #"{"alg":256}"#, payload: "{}")) == .malformed(.invalidHeaderParameter("alg")))
        #expect(error(F.forged(header: #"{"alg":"RS256","kid":7}"#, payload: "{}")) == .malformed(.invalidHeaderParameter("kid")))
        #expect(error(F.forged(header: #"{"alg":"RS256","crit":["exp"]}"#, payload: "{}")) == .malformed(.criticalExtension))
        #expect(error(F.forged(header: #"{"alg":"RS256","cty":"JWT"}"#, payload: "{}")) == .malformed(.nestedToken))
    }

    @Test func rejectsDuplicateClaimsAndHeaderParameters() {
        let claims = F.claims().jsonText
        let duplicated = String(claims.dropLast()) + #","sub":"admin"}"#
        #expect(error(F.forged(header: #"{"alg":"RS256"}"#, payload: duplicated, key: F.rsa)) == .malformed(.duplicateMember(.claims)))
        let header = #"{"alg":"RS256","alg":"none"}"#
        #expect(error(F.forged(header: header, payload: claims, key: F.rsa)) == .malformed(.duplicateMember(.header)))
    }

    @Test func rejectsDEREncodedECDSASignatures() throws {
        for (key, algorithm) in [(F.p256, JWSAlgorithm.es256), (F.p384, .es384), (F.p521, .es512)] {
            let token = F.token(key: key, algorithm: algorithm)
            var parts = token.split(separator: ".").map(String.init)
            let raw = try #require(Base64URL.decode(parts[2]))
            parts[2] = Base64URL.encode(ECDSASignatures.der(fromRaw: raw))
            #expect(error(parts.joined(separator: ".")) == .malformed(.signatureLength))
        }
    }

    /// Policy (see VerificationKey): high-S ECDSA signatures are accepted, as JWA does not require low-S.
    @Test func acceptsHighSECDSASignatures() throws {
        let token = F.token(key: F.p256, algorithm: .es256)
        var parts = token.split(separator: ".").map(String.init)
        let raw = try #require(Base64URL.decode(parts[2]))
        let flipped = ECDSASignatures.negatingS(raw, order: ECDSASignatures.p256Order)
        #expect(flipped != raw)
        parts[2] = Base64URL.encode(flipped)
        let malleated = parts.joined(separator: ".")
        #expect(try verify(malleated).subject == "alice")
    }

    // MARK: claims

    @Test func checksTheIssuerExactly() {
        #expect(error(F.token([("iss", .string(F.issuer + "/"))])) == .wrongIssuer)
        #expect(error(F.token([("iss", .string("HTTPS://tenant.eu.example.com"))])) == .wrongIssuer)
        #expect(error(F.token([("iss", nil)])) == .wrongIssuer)
        #expect(error(F.token([("iss", .array([.string(F.issuer)]))])) == .wrongIssuer)
        #expect(error(F.token([("iss", nil)]))?.metricLabel == "wrong_issuer")
    }

    @Test func checksTheAudience() throws {
        #expect(error(F.token([("aud", .string("other.example.com"))])) == .wrongAudience)
        #expect(error(F.token([("aud", .array([.string("a"), .string("b")]))])) == .wrongAudience)
        #expect(try verify(F.token([("aud", .array([.string("other"), .string(F.audience)]))])).subject == "alice")
        #expect(error(F.token([("aud", .number(JSONNumber(1)))])) == .invalidClaim("aud", "is neither a string nor an array of strings"))
        #expect(error(F.token([("aud", .array([.string(F.audience), .number(JSONNumber(1))]))])) == .invalidClaim("aud", "contains a non-string element"))
        #expect(error(F.token([("aud", nil)])) == .missingClaim("aud"))
        #expect(error(F.token([("aud", .string("x"))]))?.metricLabel == "wrong_audience")
    }

    @Test func requiresANumericExpiry() {
        #expect(error(F.token([("exp", nil)])) == .missingClaim("exp"))
        #expect(error(F.token([("exp", .string("1700003600"))])) == .invalidClaim("exp", "is not a number"))
        #expect(error(F.token([("nbf", .string("0"))])) == .invalidClaim("nbf", "is not a number"))
        #expect(error(F.token([("iat", .bool(true))])) == .invalidClaim("iat", "is not a number"))
    }

    @Test func appliesTheLeewayToExpiry() throws {
        let exp = F.now + 100
        let token = F.token([("exp", .number(JSONNumber(exp)))])
        let strict = JWTVerifier(policy: F.policy(leeway: 0))
        #expect((try? verify(token, verifier: strict, now: exp - 1)) != nil)
        #expect(error(token, verifier: strict, now: exp) == .expired)
        #expect((try? verify(token, now: exp + 29)) != nil)
        #expect(error(token, now: exp + 30) == .expired)
        #expect(error(token, now: exp + 30)?.metricLabel == "expired")
        let fractional = F.token([("exp", number("1700000100.9"))])
        #expect(try verify(fractional, verifier: strict, now: exp - 1).expiresAt == exp)
        #expect(error(fractional, verifier: strict, now: exp) == .expired)
        let absurd = F.token([("exp", number("1e300"))])
        #expect(try verify(absurd).expiresAt == 1_000_000_000_000_000)
        #expect(error(F.token(), now: .max) == .expired)
        #expect(error(F.token(), now: .min) == .issuedInFuture)
    }

    @Test func appliesTheLeewayToNotBefore() {
        let token = F.token([("nbf", .number(JSONNumber(F.now + 100)))])
        let strict = JWTVerifier(policy: F.policy(leeway: 0))
        #expect(error(token, verifier: strict, now: F.now + 99) == .notYetValid)
        #expect((try? verify(token, verifier: strict, now: F.now + 100)) != nil)
        #expect(error(token, now: F.now + 69) == .notYetValid)
        #expect((try? verify(token, now: F.now + 70)) != nil)
        #expect(error(token, now: F.now)?.metricLabel == "not_yet_valid")
    }

    @Test func appliesTheLeewayToIssuedAt() {
        let token = F.token([("iat", .number(JSONNumber(F.now + 100)))])
        let strict = JWTVerifier(policy: F.policy(leeway: 0))
        #expect(error(token, verifier: strict, now: F.now + 99) == .issuedInFuture)
        #expect((try? verify(token, verifier: strict, now: F.now + 100)) != nil)
        #expect(error(token, now: F.now + 69) == .issuedInFuture)
        #expect((try? verify(token, now: F.now + 70)) != nil)
    }

    @Test func checksTheRequiredType() throws {
        let atJWT = JWTVerifier(policy: F.policy(requiredType: "at+jwt"))
        for accepted in ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT"] {
            #expect(try verify(F.token(type: accepted), verifier: atJWT).subject == "alice")
        }
        for refused in ["JWT", "application/", "applicationat+jwt", "at+jwt ", "application/application/at+jwt", "text/at+jwt", "at+jwT\u{0}"] {
            #expect(error(F.token(type: refused), verifier: atJWT) == .wrongType, "\(refused)")
        }
        #expect(error(F.token(), verifier: atJWT) == .wrongType)
        #expect(error(F.token(), verifier: atJWT)?.metricLabel == "wrong_typ")
        let applicationForm = JWTVerifier(policy: F.policy(requiredType: "application/at+jwt"))
        #expect(try verify(F.token(type: "at+jwt"), verifier: applicationForm).subject == "alice")
    }

    // MARK: extraction

    @Test func readsScopesFromScopeOrScp() throws {
        #expect(try verify(F.token([("scope", .string("  a   b c "))])).scopes == ["a", "b", "c"])
        #expect(try verify(F.token([("scope", nil), ("scp", .array([.string("x"), .string("y")]))])).scopes == ["x", "y"])
        #expect(try verify(F.token([("scope", nil), ("scp", .string("x y"))])).scopes == ["x", "y"])
        #expect(try verify(F.token([("scope", nil)])).scopes == [])
        #expect(try verify(F.token([("scope", .string("a")), ("scp", .array([.string("ignored")]))])).scopes == ["a"])
        let custom = JWTVerifier(policy: F.policy(scopeClaim: "permissions"))
        #expect(try verify(F.token([("permissions", .array([.string("p:1")]))]), verifier: custom).scopes == ["p:1"])
    }

    @Test func rejectsNonStringScopeElements() {
        #expect(error(F.token([("scope", nil), ("scp", .array([.string("x"), .number(JSONNumber(1))]))])) == .invalidClaim("scp", "contains a non-string element"))
        #expect(error(F.token([("scope", .number(JSONNumber(1)))])) == .invalidClaim("scope", "is neither a string nor an array of strings"))
        #expect(error(F.token([("scope", .array([.null]))]))?.metricLabel == "invalid_claim")
    }

    @Test func readsTheClientID() throws {
        #expect(try verify(F.token([("client_id", nil), ("azp", .string("spa"))])).clientID == "spa")
        #expect(try verify(F.token([("azp", .string("ignored"))])).clientID == "dashboard-spa")
        #expect(try verify(F.token([("client_id", nil)])).clientID == nil)
        let custom = JWTVerifier(policy: F.policy(clientIDClaim: "cid"))
        #expect(try verify(F.token([("cid", .string("c-1"))]), verifier: custom).clientID == "c-1")
        #expect(error(F.token([("client_id", .number(JSONNumber(5)))])) == .invalidClaim("client_id", "is not a string"))
        #expect(error(F.token([("sub", .bool(false))])) == .invalidClaim("sub", "is not a string"))
    }

    @Test func forwardsClaimsAsHeaderValues() throws {
        let forwarding = JWTVerifier(policy: F.policy(), forwardedClaims: ["sub", "client_id", "scope", "roles", "tenant", "flags", "missing", "nil", "scp"])
        let token = F.token([
            ("client_id", nil), ("azp", .string("spa")),
            ("roles", .array([.string("admin"), .number(JSONNumber(7)), .object(JSONObject(uniqueKeysWithValues: [("a", .bool(true))]))])),
            ("tenant", .number(JSONNumber(42))), ("flags", .object(JSONObject(uniqueKeysWithValues: [("beta", .bool(true))]))),
            ("nil", .null),
        ])
        let verified = try verify(token, verifier: forwarding)
        #expect(verified.forwardedClaims == [
            "alice", "spa", "apps:read apps:write", #"admin 7 {"a":true}"#, "42", #"{"beta":true}"#, nil, nil, "apps:read apps:write",
        ])
    }

    @Test(arguments: ["a\rb", "a\nb", "a\u{0}b", "a\u{1B}b", "a\u{7F}b"])
    func rejectsControlCharactersInForwardedClaims(_ value: String) throws {
        let forwarding = JWTVerifier(policy: F.policy(), forwardedClaims: ["name"])
        let token = F.token([("name", .string(value))])
        #expect(error(token, verifier: forwarding) == .invalidClaim("name", "contains a control character and cannot be forwarded"))
        #expect(error(F.token([("name", .array([.string(value)]))]), verifier: forwarding) != nil)
        // The same token is fine when the claim is not forwarded, and a tab is allowed.
        #expect((try? verify(token)) != nil)
        #expect(try verify(F.token([("name", .string("a\tb"))]), verifier: forwarding).forwardedClaims == ["a\tb"])
        // The scope and client-id claims, forwarded as the values the checks use, are refused alike,
        // under the name they are forwarded by.
        let identity = JWTVerifier(policy: F.policy(), forwardedClaims: ["scp", "client_id"])
        #expect(error(F.token([("scope", nil), ("scp", .string(value))]), verifier: identity)
            == .invalidClaim("scp", "contains a control character and cannot be forwarded"))
        #expect(error(F.token([("client_id", .string(value))]), verifier: identity)
            == .invalidClaim("client_id", "contains a control character and cannot be forwarded"))
        #expect((try? verify(F.token([("client_id", .string(value))]))) != nil)
    }

    // MARK: errors and helpers

    @Test func errorDescriptionsNeverEchoTheToken() {
        let secretish = "Zm9vYmFyQmF6UXV4"
        let hostile = [
            F.forged(header: #"{"alg":"none","kid":"\#(secretish)"}"#, payload: "{}"),
            F.forged(header: #"{"alg":"RS256","kid":"\#(secretish)"}"#, payload: F.claims().jsonText, key: F.rsa),
            F.token([("iss", .string(secretish))]),
            F.token([("aud", .string(secretish))]),
            F.token([("scope", .array([.number(JSONNumber(1))])), ("x", .string(secretish))]),
            F.token([("typ", .string(secretish))], type: secretish),
            "eyJ\(secretish).\(secretish).\(secretish)",
        ]
        let verifier = JWTVerifier(policy: F.policy(requiredType: "at+jwt"))
        for token in hostile {
            let failure = error(token, verifier: verifier)
            #expect(failure != nil)
            let text = failure.map { "\($0)" } ?? ""
            #expect(!text.contains(secretish))
            #expect(!text.contains(String(token.prefix(12))))
            #expect(!text.contains("\""))
        }
    }

    @Test func recognisesJWTShapedTokens() {
        #expect(CompactJWS.isJWTShaped(F.token()))
        #expect(CompactJWS.isJWTShaped("eyJhbGciOiJub25lIn0.e30."))
        #expect(!CompactJWS.isJWTShaped("2YotnFZFEjr1zCsicMWpAA"))
        #expect(!CompactJWS.isJWTShaped("ya29.a0AfH6SMBx"))
        #expect(!CompactJWS.isJWTShaped("abc.def.ghi"))
        #expect(!CompactJWS.isJWTShaped("eyJ.a.b.c"))
        #expect(!CompactJWS.isJWTShaped("eyJ+.a.b"))
        #expect(!CompactJWS.isJWTShaped(""))
    }

    @Test func readsTheIssuerOfAnUnverifiedToken() throws {
        #expect(try JWT(parsing: F.token()).unverifiedIssuer == F.issuer)
        #expect(try JWT(parsing: F.token([("iss", nil)])).unverifiedIssuer == nil)
        let parsed = try JWT(parsing: F.token())
        #expect(try verifier.verify(parsed, keys: F.keySet, now: F.now).subject == "alice")
    }

    @Test func compilesThePolicyFromTheIssuerConfig() throws {
        let config = IssuerConfig(
            name: Located("tenant-eu"), issuer: Located(F.issuer), audiences: [Located("a"), Located("b")],
            algorithms: [Located(.es256)], leeway: .seconds(45), requireTyp: "Application/AT+JWT",
            scopeClaim: "scp", clientIdClaim: "azp"
        )
        let policy = try #require(IssuerPolicy(config))
        #expect(policy == IssuerPolicy(name: "tenant-eu", issuer: F.issuer, audiences: ["a", "b"], algorithms: [.es256],
                                       leewaySeconds: 45, requiredType: "at+jwt", scopeClaim: "scp", clientIDClaim: "azp"))
        #expect(IssuerPolicy(IssuerConfig(name: Located("opaque"))) == nil)
    }
}
