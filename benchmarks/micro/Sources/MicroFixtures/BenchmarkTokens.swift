import TollgateCore

/// The issuer, audience, clock and claims that every benchmark's tokens share,
/// so that the verification, cache and decision figures are of one token shape:
/// an RFC 9068 access token as identity providers mint them.
public enum BenchmarkTokens {
    /// The clock every benchmark passes as `now` (seconds since the epoch).
    public static let now: Int64 = 1_700_000_000
    public static let issuerName = "tenant-eu"
    public static let issuer = "https://tenant.eu.auth.example.com/"
    public static let audience = "https://api.example.com"
    public static let tokenType = "at+jwt"

    /// The claims of a token issued a minute before `now`, valid for an hour.
    public static func claims(scope: String, tokenID: String = "4f9d3c1e-7a2b-4c8d-9e0f-1a2b3c4d5e6f") -> JSONObject {
        DevelopmentToken.claims(
            issuer: issuer,
            audience: audience,
            subject: "auth0|5f7c8ec7c33c6c004bbafe82",
            scope: scope,
            clientID: "dashboard-spa",
            issuedAt: now - 60,
            lifetimeSeconds: 3600,
            tokenID: tokenID
        )
    }

    /// The scope claim of a typical token.
    public static let typicalScope = "openid profile email apps:read apps:write user_default"

    /// The policy of the issuer that minted the tokens: every algorithm allowed, `typ` required.
    public static let policy = IssuerPolicy(
        name: issuerName,
        issuer: issuer,
        audiences: [audience],
        algorithms: JWSAlgorithm.allCases,
        requiredType: tokenType
    )

    /// A signed token with `claims`, or a stop: benchmarks cannot run without one.
    public static func mint(_ key: SigningKey, claims: JSONObject, algorithm: JWSAlgorithm? = nil) -> String {
        setUp("minting a benchmark token") { try key.jwt(claims: claims, algorithm: algorithm, type: tokenType) }
    }

    /// A fresh signing key, or a stop.
    public static func generate(_ family: KeyFamily, keyID: String) -> SigningKey {
        setUp("generating a benchmark key") { try SigningKey.generate(family, keyID: keyID) }
    }
}

/// The result of a step of a benchmark's setup, or a stop naming the step:
/// a benchmark whose inputs could not be built must not run.
public func setUp<T>(_ step: String, _ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        fatalError("\(step): \(error)")
    }
}
