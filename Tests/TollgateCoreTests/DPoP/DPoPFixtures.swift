import TollgateCore

/// Client keys, proofs and hand-made proof headers shared by the DPoP suites.
enum DPoPFixtures {
    static let now: Int64 = 1_800_000_000
    static let client = try! SigningKey.generate(.ec(.p256))
    static let otherClient = try! SigningKey.generate(.ec(.p256))
    static let edClient = try! SigningKey.generate(.ed25519)
    static let url = "https://api.example.com/orders"
    static let uri = DPoPTargetURI(url)!
    static let accessToken = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"

    static func proof(
        key: SigningKey = client, method: String = "GET", url: String = url, token: String? = accessToken,
        issuedAt: Int64 = now, jti: String = "jti-1"
    ) -> String {
        try! key.dpopProof(method: method, url: url, accessToken: token, issuedAt: issuedAt, jti: jti)
    }

    /// A proof with a hand-written header and claims, signed by `signer` under `algorithm`.
    static func forged(header: JSONObject, claims: JSONObject, signer: SigningKey = client, algorithm: JWSAlgorithm = .es256) -> String {
        let input = Base64URL.encode(Array(header.jsonText.utf8)) + "." + Base64URL.encode(Array(claims.jsonText.utf8))
        return input + "." + Base64URL.encode(try! signer.signature(for: Array(input.utf8), algorithm: algorithm))
    }

    static func header(typ: String? = "dpop+jwt", alg: String = "ES256", jwk: JSONValue? = .object(client.publicJWK!)) -> JSONObject {
        var members: [(String, JSONValue)] = [("alg", .string(alg))]
        if let typ { members.append(("typ", .string(typ))) }
        if let jwk { members.append(("jwk", jwk)) }
        return JSONObject(uniqueKeysWithValues: members)
    }

    static func claims(_ overrides: [(String, JSONValue?)] = []) -> JSONObject {
        var members: [(String, JSONValue)] = [
            ("jti", .string("jti-1")), ("htm", .string("GET")), ("htu", .string(url)),
            ("iat", .number(JSONNumber(now))), ("ath", .string(JWKThumbprint.sha256Base64URL(accessToken))),
        ]
        for (name, value) in overrides {
            members.removeAll { $0.0 == name }
            if let value { members.append((name, value)) }
        }
        return JSONObject(uniqueKeysWithValues: members)
    }
}
