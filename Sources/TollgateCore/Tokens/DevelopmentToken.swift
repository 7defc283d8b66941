/// The claims of an access token minted for development, tests and
/// benchmarks (`tollgate token`, `tollgate demo`): RFC 9068's required claims
/// plus `scope` and, optionally, `client_id` and a binding (`cnf`).
public enum DevelopmentToken {
    public static func claims(
        issuer: String,
        audience: String,
        subject: String,
        scope: String,
        clientID: String? = nil,
        issuedAt: Int64,
        lifetimeSeconds: Int64,
        tokenID: String,
        confirmation: TokenConfirmation? = nil
    ) -> JSONObject {
        var claims: [(String, JSONValue)] = [
            ("iss", .string(issuer)), ("sub", .string(subject)), ("aud", .string(audience)),
            ("iat", .number(JSONNumber(issuedAt))), ("exp", .number(JSONNumber(issuedAt + lifetimeSeconds))),
            ("scope", .string(scope)), ("jti", .string(tokenID)),
        ]
        if let clientID { claims.append(("client_id", .string(clientID))) }
        if let confirmation {
            var cnf: [(String, JSONValue)] = []
            if let jkt = confirmation.jwkThumbprint { cnf.append(("jkt", .string(jkt))) }
            if let x5t = confirmation.certificateThumbprint { cnf.append(("x5t#S256", .string(x5t))) }
            claims.append(("cnf", .object(JSONObject(uniqueKeysWithValues: cnf))))
        }
        return JSONObject(uniqueKeysWithValues: claims)
    }
}
