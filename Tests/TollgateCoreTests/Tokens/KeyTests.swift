import Foundation
import Testing
import TollgateCore

@Suite struct KeyTests {
    typealias F = TokenFixtures

    @Test func verifiesOnlyTheAlgorithmsOfItsFamily() throws {
        let expectations: [(SigningKey, Set<JWSAlgorithm>)] = [
            (F.rsa, [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512]),
            (F.p256, [.es256]), (F.p384, [.es384]), (F.p521, [.es512]),
            (F.ed25519, [.edDSA]), (F.hmac, [.hs256, .hs384, .hs512]),
        ]
        for (signingKey, algorithms) in expectations {
            let key = signingKey.verificationKey
            #expect(Set(JWSAlgorithm.allCases.filter(key.canVerify)) == algorithms)
        }
    }

    @Test func readsJWKsOfEveryType() throws {
        for signingKey in F.allSigningKeys {
            let key = try VerificationKey(jwk: signingKey.verificationJWK)
            #expect(key.identity == signingKey.verificationKey.identity)
            #expect(key.keyID == signingKey.keyID)
            #expect(key.family == signingKey.family)
        }
    }

    @Test func readsPEMKeysOfEveryPublicType() throws {
        for signingKey in F.allSigningKeys where signingKey.family != .hmac {
            let publicPEM = try #require(signingKey.publicKeyPEM)
            let privatePEM = try #require(signingKey.pemRepresentation)
            let fromPublic = try VerificationKey(pem: publicPEM, keyID: "k")
            #expect(fromPublic.identity == signingKey.verificationKey.identity)
            #expect(fromPublic.keyID == "k")
            #expect(try VerificationKey(pem: privatePEM).identity == signingKey.verificationKey.identity)
            let reloaded = try SigningKey(pem: privatePEM, keyID: "k")
            let token = try reloaded.jwt(claims: F.claims())
            #expect(try JWTVerifier(policy: F.policy()).verify(token, keys: JWKSet(keys: [fromPublic]), now: F.now).keyID == "k")
            #expect(throws: KeyError.notAPrivateKey) { try SigningKey(pem: publicPEM) }
        }
    }

    @Test func readsPKCS1RSAPublicKeys() throws {
        let spkiPEM = try #require(F.rsa.publicKeyPEM)
        let body = spkiPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let spki = try #require(Data(base64Encoded: body))
        // A 2048-bit RSA SPKI is a fixed 24-byte header around the PKCS#1 RSAPublicKey.
        let header: [UInt8] = [0x30, 0x82, 0x01, 0x22, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01,
                               0x05, 0x00, 0x03, 0x82, 0x01, 0x0F, 0x00]
        #expect(Array(spki.prefix(24)) == header)
        let pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\n" + Data(spki.dropFirst(24)).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END RSA PUBLIC KEY-----\n"
        #expect(try VerificationKey(pem: pkcs1).identity == F.rsa.verificationKey.identity)
    }

    @Test func rejectsPEMThatHoldsNoKey() {
        #expect(throws: KeyError.unrecognizedPEM) { try VerificationKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
        #expect(throws: KeyError.unrecognizedPEM) { try VerificationKey(pem: "not a pem") }
        #expect(throws: KeyError.unrecognizedPEM) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    }

    @Test func readsPrivateJWKsAndChecksTheyAreConsistent() throws {
        let ec = try SigningKey(jwkJSON: PublishedVectors.rfc7515A3.jwk)
        #expect(ec.family == .ec(.p256))
        let mismatched = PublishedVectors.rfc7515A3.jwk.replacingOccurrences(of: "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
                                                                            with: Base64URL.encode([UInt8](repeating: 7, count: 32)))
        #expect(throws: KeyError.invalidKeyMaterial("x and y do not belong to d")) { try SigningKey(jwkJSON: mismatched) }
        #expect(throws: KeyError.notAPrivateKey) { try SigningKey(jwk: F.p256.verificationJWK) }
        #expect(try SigningKey(jwkJSON: PublishedVectors.rfc8037.jwk).family == .ed25519)
    }

    @Test(arguments: [
        (#"{"kty":"RSA","n":"AQAB"}"#, KeyError.missingParameter("e")),
        (#"{"n":"AQAB","e":"AQAB"}"#, .missingParameter("kty")),
        (#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#, .invalidKeyMaterial("not a usable RSA public key (2048 bits or more)")),
        (#"{"kty":"RSA","n":"AQAB=","e":"AQAB"}"#, .invalidParameter("n", "is not canonical unpadded base64url")),
        (#"{"kty":"EC","crv":"P-256K","x":"AA","y":"AA"}"#, .unsupportedCurve("P-256K")),
        (#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#, .invalidParameter("x", "must be 32 bytes")),
        (#"{"kty":"OKP","crv":"Ed448","x":"AA"}"#, .unsupportedCurve("Ed448")),
        (#"{"kty":"OKP","crv":"X25519","x":"AA"}"#, .unsupportedCurve("X25519")),
        (#"{"kty":"oct","k":"c2hvcnQ"}"#, .invalidParameter("k", "must be at least 32 bytes")),
        (#"{"kty":"oct","k":""}"#, .invalidParameter("k", "is empty")),
        (#"{"kty":"foo"}"#, .unsupportedKeyType("foo")),
        (#"{"kty":"oct","k":"AAAA","use":"enc"}"#, .notForSignatures),
        (#"{"kty":"oct","k":"AAAA","key_ops":["encrypt"]}"#, .notForSignatures),
        (#"{"kty":"oct","k":"AAAA","alg":"RSA-OAEP"}"#, .unsupportedAlgorithm("RSA-OAEP")),
        (#"{"kty":"oct","k":"AAAA","alg":"none"}"#, .unsupportedAlgorithm("none")),
        (#"{"kty":"oct","k":"AAAA","kid":5}"#, .invalidParameter("kid", "must be a string")),
        (#"[]"#, .notAnObject),
    ])
    func rejectsUnusableJWKs(_ json: String, _ expected: KeyError) {
        #expect(throws: expected) { try VerificationKey(jwkJSON: json) }
    }

    @Test func rejectsAJWKWhoseAlgDoesNotMatchItsType() {
        let jwk = #"{"kty":"EC","crv":"P-256","alg":"RS256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#
        #expect(throws: KeyError.algorithmMismatch(.rs256, .ec(.p256))) { try VerificationKey(jwkJSON: jwk) }
        let p384 = #"{"kty":"EC","crv":"P-256","alg":"ES384","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#
        #expect(throws: KeyError.algorithmMismatch(.es384, .ec(.p256))) { try VerificationKey(jwkJSON: p384) }
        let offCurve = #"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"}"#
        #expect(throws: KeyError.self) { try VerificationKey(jwkJSON: offCurve) }
    }

    @Test func parsesAKeySetSkippingUnusableKeysWithReasons() throws {
        let good = [F.rsa, F.p256, F.ed25519].map { $0.verificationJWK.jsonText }
        let document = """
            {"keys": [\(good[0]),
              {"kty":"EC","kid":"enc-key","use":"enc","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
              \(good[1]),
              {"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"},
              "not a key",
              {"kty":"OKP","kid":"x","crv":"X25519","x":"AA"},
              \(good[2])
            ], "extra": true}
            """
        let set = try JWKSet(parsing: Array(document.utf8))
        #expect(set.keys.map(\.keyID) == ["rsa-1", "ec-1", "ed-1"])
        #expect(set.skipped.map(\.index) == [1, 3, 4, 5])
        #expect(set.skipped.map(\.keyID) == ["enc-key", "small", nil, "x"])
        #expect(set.skipped[0].reason == .notForSignatures)
        #expect(set.skipped[0].description == #"key "enc-key" skipped: the key is not for signatures (use/key_ops)"#)
        #expect(set.skipped[2].description == "key #4 skipped: a JWK must be a JSON object")
        #expect(set.indices(ofKeyID: "ec-1") == [1])
        #expect(set.indices(ofKeyID: "enc-key") == [])
        #expect(set.contains(F.ed25519.verificationKey.identity))
        #expect(!set.contains(F.p384.verificationKey.identity))
    }

    @Test func rejectsDocumentsThatAreNotKeySets() {
        #expect(throws: KeyError.notAKeySet) { try JWKSet(parsing: Array(#"{"keys": {}}"#.utf8)) }
        #expect(throws: KeyError.notAKeySet) { try JWKSet(parsing: Array(#"[]"#.utf8)) }
        #expect(throws: KeyError.self) { try JWKSet(parsing: Array(#"{"keys": [], "keys": []}"#.utf8)) }
        #expect(throws: KeyError.self) { try JWKSet(parsing: Array("garbage".utf8)) }
    }

    @Test func keepsKeysThatShareAKid() throws {
        var rsa = F.rsa
        rsa.keyID = "shared"
        var ec = F.p256
        ec.keyID = "shared"
        let set = JWKSet(keys: [rsa.verificationKey, ec.verificationKey])
        #expect(set.indices(ofKeyID: "shared") == [0, 1])
        let token = try ec.jwt(claims: F.claims())
        #expect(try JWTVerifier(policy: F.policy()).verify(token, keys: set, now: F.now).keyIdentity == ec.verificationKey.identity)
    }

    /// Up to eight distinct `kid`s are compared in turn, more go through a
    /// dictionary: both find every key (shared, long and canonically
    /// equivalent ids included) and nothing else. The sets below hold one
    /// more distinct id than `distinct` (the accented one): 4 and 8 are
    /// compared in turn, 9 and 21 looked up.
    @Test(arguments: [3, 7, 8, 20])
    func findsKeysByKidInSetsOfEverySize(distinct: Int) {
        let ids = (0..<distinct).map { $0 % 3 == 0 ? "a-long-key-id-of-forty-three-characters-\($0)" : "k\($0)" }
        var keys: [VerificationKey] = []
        for id in ids {
            var key = F.hmac
            key.keyID = id
            keys.append(key.verificationKey)
        }
        var shared = F.hmac
        shared.keyID = ids[1]
        keys.append(shared.verificationKey)
        var accented = F.hmac
        accented.keyID = "caf\u{E9}"
        keys.append(accented.verificationKey)
        let set = JWKSet(keys: keys)
        for (index, id) in ids.enumerated() {
            #expect(set.indices(ofKeyID: id) == (index == 1 ? [1, distinct] : [index]), "\(id)")
        }
        #expect(set.indices(ofKeyID: "cafe\u{301}") == [distinct + 1])
        for unknown in ["", "k", "K1", "k1 ", "a-long-key-id-of-forty-three-characters-", "k\(distinct + 5)"] {
            #expect(set.indices(ofKeyID: unknown) == [], "\(unknown)")
        }
    }

    @Test func givesEverySetItsOwnGeneration() {
        let first = JWKSet(keys: [])
        let second = JWKSet(keys: [])
        #expect(first.generation != second.generation)
    }
}

/// `VerificationKey` keeps an HMAC secret's keyed state (`KeyedHMAC`); these check
/// it against swift-crypto's one-shot HMAC, which `SigningKey` signs with, across
/// the key lengths HMAC treats differently (below, at and above a block of 64 or 128 bytes).
@Suite("HMAC keys keyed once")
struct KeyedHMACTests {
    @Test("every secret length verifies its HS256/384/512 tokens and refuses a flipped bit", arguments: [32, 48, 63, 64, 65, 127, 128, 129, 300])
    func secretLengths(length: Int) throws {
        let secret = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let key = try SigningKey(hmacSecret: secret, keyID: "oct")
        let keys = JWKSet(keys: [key.verificationKey])
        let verifier = JWTVerifier(policy: TokenFixtures.policy())
        for algorithm in [JWSAlgorithm.hs256, .hs384, .hs512] {
            let token = try key.jwt(claims: TokenFixtures.claims(), algorithm: algorithm)
            for _ in 0..<2 {
                #expect(try verifier.verify(token, keys: keys, now: TokenFixtures.now).algorithm == algorithm)
            }
            let dot = try #require(token.lastIndex(of: "."))
            var signature = try #require(Base64URL.decode(token[token.index(after: dot)...]))
            for index in [0, signature.count / 2, signature.count - 1] {
                signature[index] ^= 0x01
                let flipped = String(token[...dot]) + Base64URL.encode(signature)
                #expect(throws: TokenError.badSignature) { try verifier.verify(flipped, keys: keys, now: TokenFixtures.now) }
                signature[index] ^= 0x01
            }
            let other = try SigningKey(hmacSecret: secret.map { $0 ^ 0x80 }, keyID: "oct")
            #expect(throws: TokenError.badSignature) {
                try verifier.verify(try other.jwt(claims: TokenFixtures.claims(), algorithm: algorithm), keys: keys, now: TokenFixtures.now)
            }
        }
    }
}
