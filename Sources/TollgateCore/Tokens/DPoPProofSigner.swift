/// Signs DPoP proofs (RFC 9449 §4.2) for `tollgate dpop-proof`, the demo,
/// tests and benchmarks: the client's side, which the gateway never plays.
extension SigningKey {
    /// The public JWK a proof's header carries: only the members RFC 7638
    /// names (no `kid`, `use`, `alg`); nil for an HMAC secret, which cannot sign proofs.
    public var publicJWK: JSONObject? {
        guard family != .hmac else { return nil }
        let members = verificationJWK
        let required = members.keys.indices.filter { ["kty", "crv", "x", "y", "n", "e"].contains(members.keys[$0]) }
        return JSONObject(uniqueKeysWithValues: required.map { (members.keys[$0], members.values[$0]) })
    }

    /// The RFC 7638 thumbprint of this key's public half: what a token bound to it carries as `cnf.jkt`.
    public var jwkThumbprint: String? {
        publicJWK.flatMap { try? JWKThumbprint.sha256(of: $0) }
    }

    /// A proof for `method` on `url` (query and fragment are left out of
    /// `htu`), with `ath` when it goes with `accessToken`.
    public func dpopProof(
        method: String,
        url: String,
        accessToken: String? = nil,
        issuedAt: Int64,
        jti: String,
        algorithm: JWSAlgorithm? = nil
    ) throws(KeyError) -> String {
        guard let jwk = publicJWK else { throw .invalidKeyMaterial("a DPoP proof needs an asymmetric key") }
        let algorithm = algorithm ?? defaultAlgorithm
        let header = JSONObject(uniqueKeysWithValues: [
            ("typ", .string("dpop+jwt")), ("alg", .string(algorithm.rawValue)), ("jwk", .object(jwk)),
        ])
        let htu = String(url.prefix { $0 != "?" && $0 != "#" })
        var claims: [(String, JSONValue)] = [
            ("jti", .string(jti)), ("htm", .string(method)), ("htu", .string(htu)), ("iat", .number(JSONNumber(issuedAt))),
        ]
        if let accessToken { claims.append(("ath", .string(JWKThumbprint.sha256Base64URL(accessToken)))) }
        let input = Base64URL.encode(Array(header.jsonText.utf8)) + "." + Base64URL.encode(Array(JSONObject(uniqueKeysWithValues: claims).jsonText.utf8))
        return input + "." + Base64URL.encode(try signature(for: Array(input.utf8), algorithm: algorithm))
    }
}
