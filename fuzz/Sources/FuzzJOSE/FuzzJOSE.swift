import TollgateCore

/// libFuzzer entry point for the JOSE compact parser and the claim checks that
/// run before the signature: the input is the token text of an
/// `Authorization: Bearer` header. It is split (`CompactJWS`), its header and
/// claims decoded (`JOSEHeader`, `JWT`), then verified against one HS256 key
/// whose secret neither the fuzzer nor the seeds know (the seeds are signed
/// with `FuzzClaims`' secret, so their claims pass and the signature check is
/// reached): nothing may verify, and nothing may crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJOSE(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let token = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = CompactJWS.isJWTShaped(token)
    guard let jwt = try? JWT(parsing: token) else { return 0 }
    _ = jwt.unverifiedIssuer
    _ = jwt.jws.withSigningInput { $0.count }
    if (try? JOSEFixture.verifier.verify(jwt, keys: JOSEFixture.keys, now: JOSEFixture.now)) != nil {
        fatalError("a token with no valid signature verified: \(token)")
    }
    return 0
}

/// The issuer the fuzzed tokens are checked against: claims that name it pass
/// the cheap checks, so the signature check is reached too.
enum JOSEFixture {
    static let now: Int64 = 1_700_000_000
    static let keys = JWKSet(keys: [try! SigningKey(hmacSecret: Array("a secret that no FuzzJOSE seed is signed with".utf8), keyID: "k1").verificationKey])
    static let verifier = JWTVerifier(
        policy: IssuerPolicy(name: "fuzz", issuer: "https://issuer.example", audiences: ["api"], algorithms: [.hs256, .rs256, .es256]),
        forwardedClaims: ["sub", "scope", "email"]
    )
}
