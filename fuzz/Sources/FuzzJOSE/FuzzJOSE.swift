import TollgateCore

/// libFuzzer entry point for the JOSE compact parser and the claim checks that
/// run before the signature: the input is the token text of an
/// `Authorization: Bearer` header. It is split (`CompactJWS`), its header and
/// claims decoded (`JOSEHeader`, `JWT`), then verified against one HS256 key
/// whose secret neither the fuzzer nor the seeds know (the seeds are signed
/// with `FuzzClaims`' secret, so their claims pass and the signature check is
/// reached): nothing may verify, and nothing may crash. Each input is also
/// parsed with a header memo shared by all inputs, which must read the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJOSE(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let token = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = CompactJWS.isJWTShaped(token)
    let parsed = Result { () throws(TokenError) in try JWT(parsing: token) }
    let remembered = Result { () throws(TokenError) in try JWT(parsing: token, headers: JOSEFixture.headers) }
    switch (parsed, remembered) {
    case (.success(let plain), .success(let memo)):
        guard plain.header.algorithm == memo.header.algorithm, plain.header.keyID == memo.header.keyID,
              plain.header.type == memo.header.type, plain.header.parameters.count == memo.header.parameters.count
        else { fatalError("a remembered JOSE header reads differently: \(token)") }
    case (.failure(let plain), .failure(let memo)):
        guard plain == memo else { fatalError("with the header memo the token fails otherwise (\(memo), not \(plain)): \(token)") }
    default:
        fatalError("the header memo changes whether the token parses: \(token)")
    }
    guard case .success(let jwt) = parsed else { return 0 }
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
    /// One memo across all inputs, so that inputs sharing a header read it from
    /// the memo. libFuzzer calls the entry point from one thread only, which is
    /// what a `JOSEHeaderMemo` (one event loop's) requires.
    nonisolated(unsafe) static let headers = JOSEHeaderMemo()
    static let keys = JWKSet(keys: [try! SigningKey(hmacSecret: Array("a secret that no FuzzJOSE seed is signed with".utf8), keyID: "k1").verificationKey])
    static let verifier = JWTVerifier(
        policy: IssuerPolicy(name: "fuzz", issuer: "https://issuer.example", audiences: ["api"], algorithms: [.hs256, .rs256, .es256]),
        forwardedClaims: ["sub", "scope", "email"]
    )
}
