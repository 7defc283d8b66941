import TollgateCore

/// Keys, a policy and token builders shared by the verifier, signing and cache tests.
/// Keys are generated once per test process (RSA generation is slow).
enum TokenFixtures {
    static let now: Int64 = 1_700_000_000
    static let issuer = "https://tenant.eu.example.com"
    static let audience = "api.example.com"

    static let rsa = try! SigningKey.generate(.rsa, keyID: "rsa-1")
    static let p256 = try! SigningKey.generate(.ec(.p256), keyID: "ec-1")
    static let p384 = try! SigningKey.generate(.ec(.p384), keyID: "ec-384")
    static let p521 = try! SigningKey.generate(.ec(.p521), keyID: "ec-521")
    static let ed25519 = try! SigningKey.generate(.ed25519, keyID: "ed-1")
    static let hmac = try! SigningKey(hmacSecret: Array("an HMAC secret of at least 32 bytes!".utf8), keyID: "oct-1")

    static let allSigningKeys = [rsa, p256, p384, p521, ed25519, hmac]

    /// The public keys (and the HMAC secret) as an issuer's key set.
    static let keySet = JWKSet(keys: allSigningKeys.map(\.verificationKey))

    static func policy(
        algorithms: [JWSAlgorithm] = JWSAlgorithm.allCases,
        leeway: Int64 = 30,
        requiredType: String? = nil,
        scopeClaim: String? = nil,
        clientIDClaim: String? = nil,
        audiences: [String] = [audience]
    ) -> IssuerPolicy {
        IssuerPolicy(
            name: "tenant-eu", issuer: issuer, audiences: audiences, algorithms: algorithms, leewaySeconds: leeway,
            requiredType: requiredType, scopeClaim: scopeClaim, clientIDClaim: clientIDClaim
        )
    }

    /// Claims of a valid token at `now`, with `overrides` replacing or adding members (`nil` removes one).
    static func claims(_ overrides: [(String, JSONValue?)] = []) -> JSONObject {
        var members: [(String, JSONValue)] = [
            ("iss", .string(issuer)), ("sub", .string("alice")), ("aud", .string(audience)),
            ("iat", .number(JSONNumber(now - 10))), ("exp", .number(JSONNumber(now + 3600))),
            ("scope", .string("apps:read apps:write")), ("client_id", .string("dashboard-spa")),
        ]
        for (name, value) in overrides {
            members.removeAll { $0.0 == name }
            if let value { members.append((name, value)) }
        }
        return JSONObject(uniqueKeysWithValues: members)
    }

    static func token(_ overrides: [(String, JSONValue?)] = [], key: SigningKey = rsa, algorithm: JWSAlgorithm? = nil, type: String? = nil) -> String {
        try! key.jwt(claims: claims(overrides), algorithm: algorithm, type: type)
    }

    /// A token with a hand-written header and payload, signed by `key` (or with `signature`).
    static func forged(header: String, payload: String, key: SigningKey? = nil, algorithm: JWSAlgorithm = .rs256, signature: [UInt8] = [1, 2, 3]) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let bytes = key.map { try! $0.signature(for: Array(input.utf8), algorithm: algorithm) } ?? signature
        return input + "." + Base64URL.encode(bytes)
    }
}
