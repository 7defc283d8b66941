/// The claims of an access token minted for development, tests and
/// benchmarks (`tollgate token`, `tollgate demo`): RFC 9068's required claims
/// plus `scope` and, optionally, `client_id`.
public enum DevelopmentToken {
    public static func claims(
        issuer: String,
        audience: String,
        subject: String,
        scope: String,
        clientID: String? = nil,
        issuedAt: Int64,
        lifetimeSeconds: Int64,
        tokenID: String
    ) -> JSONObject {
        var claims: [(String, JSONValue)] = [
            ("iss", .string(issuer)), ("sub", .string(subject)), ("aud", .string(audience)),
            ("iat", .number(JSONNumber(issuedAt))), ("exp", .number(JSONNumber(issuedAt + lifetimeSeconds))),
            ("scope", .string(scope)), ("jti", .string(tokenID)),
        ]
        if let clientID { claims.append(("client_id", .string(clientID))) }
        return JSONObject(uniqueKeysWithValues: claims)
    }
}
