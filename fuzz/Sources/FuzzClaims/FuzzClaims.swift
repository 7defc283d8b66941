import TollgateCore

/// libFuzzer entry point for the claim decoder behind a valid signature: the
/// input is a JWT payload, which the harness signs (HS256) so that every claim
/// check, the scope and client-id extraction and the forwarded-claim encoding
/// run on it. A token that verifies must be unexpired, carry no empty scope,
/// and forward no value that could split a header (CR, LF, NUL…).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClaims(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let payload = Array(UnsafeBufferPointer(start: data, count: size))
    guard let token = try? ClaimsFixture.signer.compactJWS(payload: payload, algorithm: .hs256, type: "at+jwt") else {
        fatalError("signing failed")
    }
    checkClaimsAgreeWithParser(token: token, payload: payload)
    guard let verified = try? ClaimsFixture.verifier.verify(token, keys: ClaimsFixture.keys, now: ClaimsFixture.now) else {
        return 0
    }
    guard verified.expiresAt > ClaimsFixture.now - ClaimsFixture.leeway else {
        fatalError("an expired token verified: exp \(verified.expiresAt)")
    }
    guard !verified.scopes.contains(where: \.isEmpty) else { fatalError("an empty scope was granted: \(verified.scopes)") }
    for case let value? in verified.forwardedClaims
    where value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
        fatalError("a forwarded claim holds a control character: \(Array(value.utf8))")
    }
    let cache = TokenCache<VerifiedToken>(capacity: 2)
    cache.insert(token, verified, keySet: ClaimsFixture.keys, now: ClaimsFixture.now)
    guard cache.lookup(token[...], now: ClaimsFixture.now, keySet: { _ in ClaimsFixture.keys }) == verified else {
        fatalError("a verified, unexpired token was not found in the cache")
    }
    return 0
}

/// `ScannedJSONObject` scans a payload and decodes claims only when read; it must
/// accept exactly the JSON objects `JSONParser` accepts and read the same values.
func checkClaimsAgreeWithParser(token: String, payload: [UInt8]) {
    let claims = try? JWT(parsing: token).claims
    let object = (try? JSONParser.parse(payload))?.objectValue
    guard let claims, let object else {
        guard claims == nil, object == nil else {
            fatalError("ScannedJSONObject and JSONParser disagree on whether \(payload) is a claim set")
        }
        return
    }
    guard claims.count == object.count else { fatalError("ScannedJSONObject counts \(claims.count) claims, JSONParser \(object.count)") }
    for (name, value) in zip(object.keys, object.values) where claims[name] != value {
        fatalError("ScannedJSONObject reads claim \(name) as \(String(describing: claims[name])), JSONParser as \(value)")
    }
}

/// The one issuer and key the payloads are signed and checked with.
enum ClaimsFixture {
    static let now: Int64 = 1_700_000_000
    static let leeway: Int64 = 30
    static let signer = try! SigningKey(hmacSecret: Array("fuzzing-secret-fuzzing-secret-32".utf8), keyID: "k1")
    static let keys = JWKSet(keys: [signer.verificationKey])
    static let verifier = JWTVerifier(
        policy: IssuerPolicy(
            name: "fuzz", issuer: "https://issuer.example", audiences: ["api"], algorithms: [.hs256],
            leewaySeconds: leeway, requiredType: "at+jwt"
        ),
        forwardedClaims: ["sub", "scope", "client_id", "email", "groups", "act"]
    )
}
