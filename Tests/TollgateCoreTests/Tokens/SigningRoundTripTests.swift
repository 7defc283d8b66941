import Testing
import TollgateCore

@Suite struct SigningRoundTripTests {
    typealias F = TokenFixtures

    static let keysByAlgorithm: [(JWSAlgorithm, SigningKey)] = JWSAlgorithm.allCases.map { algorithm in
        (algorithm, F.allSigningKeys.first { $0.family == algorithm.keyFamily }!)
    }

    @Test(arguments: JWSAlgorithm.allCases)
    func signsAndVerifiesEveryAlgorithm(_ algorithm: JWSAlgorithm) throws {
        let key = try #require(Self.keysByAlgorithm.first { $0.0 == algorithm }?.1)
        let token = try key.jwt(claims: F.claims(), algorithm: algorithm, type: "at+jwt")
        let verified = try JWTVerifier(policy: F.policy()).verify(token, keys: F.keySet, now: F.now)
        #expect(verified.algorithm == algorithm)
        #expect(verified.keyID == key.keyID)
        #expect(try JWT(parsing: token).header.type == "at+jwt")
        // The same claims signed with a different key of the same family do not verify.
        let stranger = try SigningKey.generate(algorithm.keyFamily == .rsa ? .ec(.p256) : algorithm.keyFamily, keyID: key.keyID)
        if stranger.family == key.family {
            let forged = try stranger.jwt(claims: F.claims(), algorithm: algorithm)
            #expect(throws: TokenError.badSignature) { try JWTVerifier(policy: F.policy()).verify(forged, keys: F.keySet, now: F.now) }
        }
    }

    @Test func refusesToSignWithAnAlgorithmOfAnotherFamily() {
        #expect(throws: KeyError.algorithmMismatch(.hs256, .rsa)) { try F.rsa.jwt(claims: F.claims(), algorithm: .hs256) }
        #expect(throws: KeyError.algorithmMismatch(.es384, .ec(.p256))) { try F.p256.jwt(claims: F.claims(), algorithm: .es384) }
        #expect(throws: KeyError.algorithmMismatch(.rs256, .hmac)) { try F.hmac.jwt(claims: F.claims(), algorithm: .rs256) }
    }

    @Test func defaultsTheAlgorithmFromTheKey() {
        #expect(F.rsa.defaultAlgorithm == .rs256)
        #expect(F.p256.defaultAlgorithm == .es256)
        #expect(F.p384.defaultAlgorithm == .es384)
        #expect(F.p521.defaultAlgorithm == .es512)
        #expect(F.ed25519.defaultAlgorithm == .edDSA)
        #expect(F.hmac.defaultAlgorithm == .hs256)
    }

    @Test func writesAHeaderWithAlgTypAndKid() throws {
        let token = try F.p256.jwt(claims: F.claims(), type: "at+jwt")
        let header = try #require(Base64URL.decode(String(token.prefix { $0 != "." })))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"ES256","typ":"at+jwt","kid":"ec-1"}"#)
    }
}
