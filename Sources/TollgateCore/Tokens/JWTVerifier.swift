/// Verifies JWT access tokens for one issuer (RFC 7519, RFC 9068, SPEC's
/// Tokens section) against a key set, at a time the caller passes in.
///
/// Order: the header (`alg` allowed, `typ`), then the cheap claim checks
/// (`iss`, `exp`, `nbf`, `iat`, `aud`), then the signature, then extraction.
/// Checking claims first keeps a flood of expired or misdirected tokens from
/// costing a signature check each; nothing is returned before the signature
/// has been verified.
public struct JWTVerifier: Sendable {
    public let policy: IssuerPolicy
    /// Claim names whose values `VerifiedToken.forwardedClaims` carries, in order.
    public let forwardedClaims: [String]

    public init(policy: IssuerPolicy, forwardedClaims: [String] = []) {
        self.policy = policy
        self.forwardedClaims = forwardedClaims
    }

    /// Parses and verifies `token`; `now` is seconds since the epoch; `headers`
    /// is the calling loop's memo of decoded JOSE headers, if it keeps one.
    public func verify(_ token: String, keys: JWKSet, now: Int64, headers: JOSEHeaderMemo? = nil) throws(TokenError) -> VerifiedToken {
        try verify(JWT(parsing: token, headers: headers), keys: keys, now: now)
    }

    /// Verifies an already parsed token (parsed once to read its `iss` and pick this verifier).
    public func verify(_ jwt: JWT, keys: JWKSet, now: Int64) throws(TokenError) -> VerifiedToken {
        let header = jwt.header
        guard policy.algorithms.contains(header.algorithm) else { throw .algorithmNotAllowed(header.algorithm) }
        if let requiredType = policy.requiredType {
            guard let type = header.type, IssuerPolicy.typeMatches(type, normalized: requiredType) else { throw .wrongType }
        }
        let claims = jwt.claims
        let expiresAt = try checkClaims(claims, now: now)
        let key = try verifyingKey(for: jwt.jws, in: keys)

        let subject = try optionalString("sub", in: claims)
        let clientID = try self.clientID(in: claims)
        let scopes = try self.scopes(in: claims)
        let confirmation = try TokenConfirmation(cnf: claims["cnf"])
        var forwarded: [String?] = []
        forwarded.reserveCapacity(forwardedClaims.count)
        for name in forwardedClaims {
            forwarded.append(try forwardedValue(of: name, in: claims, scopes: scopes, clientID: clientID))
        }
        return VerifiedToken(
            issuer: policy.name, subject: subject, clientID: clientID, scopes: scopes, expiresAt: expiresAt,
            algorithm: header.algorithm, keyID: key.keyID, keyIdentity: key.identity, forwardedClaims: forwarded,
            confirmation: confirmation
        )
    }

    /// Checks `iss`, `exp`, `nbf`, `iat` and `aud`; returns `exp`.
    private func checkClaims(_ claims: ScannedJSONObject, now: Int64) throws(TokenError) -> Int64 {
        let plain = policy.issuerAndAudiencesAreASCII
        if plain, case .plain(let matches) = claims.plainString("iss", isOneOf: CollectionOfOne(policy.issuer)) {
            guard matches else { throw .wrongIssuer }
        } else {
            guard claims["iss"]?.stringValue == policy.issuer else { throw .wrongIssuer }
        }
        let leeway = min(policy.leewaySeconds, Self.dateBound)
        let now = min(max(now, -Self.dateBound), Self.dateBound)
        guard let expiresAt = try numericDate("exp", in: claims) else { throw .missingClaim("exp") }
        if now - leeway >= expiresAt { throw .expired }
        if let notBefore = try numericDate("nbf", in: claims), notBefore > now + leeway { throw .notYetValid }
        if let issuedAt = try numericDate("iat", in: claims), issuedAt > now + leeway { throw .issuedInFuture }
        if policy.audiences.isEmpty {
            return expiresAt
        }
        if plain, case .plain(let accepted) = claims.plainString("aud", isOneOf: policy.audiences) {
            guard accepted else { throw .wrongAudience }
        } else {
            guard let audience = claims["aud"] else { throw .missingClaim("aud") }
            let accepted: Bool
            switch audience {
            case .string(let value):
                accepted = policy.audiences.contains(value)
            case .array(let elements):
                var found = false
                for element in elements {
                    guard let value = element.stringValue else { throw .invalidClaim("aud", "contains a non-string element") }
                    if policy.audiences.contains(value) { found = true }
                }
                accepted = found
            default:
                throw .invalidClaim("aud", "is neither a string nor an array of strings")
            }
            guard accepted else { throw .wrongAudience }
        }
        return expiresAt
    }

    /// The key whose signature check passes: the keys with the token's `kid`,
    /// or without a `kid` every key that can verify the token's `alg`.
    private func verifyingKey(for jws: CompactJWS, in keys: JWKSet) throws(TokenError) -> VerificationKey {
        let algorithm = jws.header.algorithm
        var triedAny = false
        if let keyID = jws.header.keyID {
            let indices = keys.indices(ofKeyID: keyID)
            guard !indices.isEmpty else { throw .unknownKeyID }
            for index in indices where keys.keys[index].canVerify(algorithm) {
                triedAny = true
                if keys.keys[index].isValidSignature(of: jws) { return keys.keys[index] }
            }
        } else {
            for key in keys.keys where key.canVerify(algorithm) {
                triedAny = true
                if key.isValidSignature(of: jws) { return key }
            }
        }
        throw triedAny ? .badSignature : .noUsableKey(algorithm)
    }

    /// Dates and times are clamped to ±10^15 s (30 million years), so that adding the leeway cannot overflow.
    private static let dateBound: Int64 = 1_000_000_000_000_000

    /// A NumericDate claim (RFC 7519 §2) in whole seconds, rounded down and clamped.
    private func numericDate(_ name: String, in claims: ScannedJSONObject) throws(TokenError) -> Int64? {
        let seconds: Double
        switch claims.plainInteger(name) {
        case .absent:
            return nil
        case .plain(let value):
            seconds = value
        case .other:
            guard let value = claims[name]?.numberValue else { throw .invalidClaim(name, "is not a number") }
            seconds = value
        }
        let bound = Double(Self.dateBound)
        return Int64(min(max(seconds, -bound), bound).rounded(.down))
    }

    private func optionalString(_ name: String, in claims: ScannedJSONObject) throws(TokenError) -> String? {
        switch claims.string(name) {
        case .absent: nil
        case .plain(let text): text
        case .other: throw .invalidClaim(name, "is not a string")
        }
    }

    private func clientID(in claims: ScannedJSONObject) throws(TokenError) -> String? {
        if let name = policy.clientIDClaim { return try optionalString(name, in: claims) }
        if let clientID = try optionalString("client_id", in: claims) { return clientID }
        return try optionalString("azp", in: claims)
    }

    /// The scope strings: `scope_claim`, else `scope`, else `scp`; each a
    /// space-delimited string or an array of strings.
    private func scopes(in claims: ScannedJSONObject) throws(TokenError) -> [String] {
        let names = policy.scopeClaim.map { [$0] } ?? ["scope", "scp"]
        for name in names {
            switch claims.withPlainText(name, ScopeString.split) {
            case .absent: continue
            case .plain(let scopes): return scopes
            case .other: break
            }
            guard let value = claims[name] else { continue }
            switch value {
            case .string(let text):
                return ScopeString.split(text)
            case .array(let elements):
                var scopes: [String] = []
                scopes.reserveCapacity(elements.count)
                for element in elements {
                    guard let scope = element.stringValue else { throw .invalidClaim(name, "contains a non-string element") }
                    if !scope.isEmpty { scopes.append(scope) }
                }
                return scopes
            default:
                throw .invalidClaim(name, "is neither a string nor an array of strings")
            }
        }
        return []
    }

    /// A claim as a header value: strings as they are, arrays joined by spaces,
    /// anything else as JSON text. The scope and client-id claim names give the
    /// values the scope and origin checks use. Control characters (CR, LF, NUL…)
    /// make the token invalid rather than reach a header.
    private func forwardedValue(of name: String, in claims: ScannedJSONObject, scopes: [String], clientID: String?) throws(TokenError) -> String? {
        let value: String?
        if name == (policy.scopeClaim ?? "scope") || (policy.scopeClaim == nil && name == "scp") {
            value = scopes.isEmpty ? nil : scopes.joined(separator: " ")
        } else if name == (policy.clientIDClaim ?? "client_id") {
            value = clientID
        } else if case .plain(let text) = claims.plainString(name) {
            // Printable ASCII: no control character to refuse.
            return text
        } else {
            switch claims[name] {
            case nil, .null?: value = nil
            case .string(let text)?: value = text
            case .array(let elements)?: value = elements.map { $0.stringValue ?? $0.jsonText }.joined(separator: " ")
            case let other?: value = other.jsonText
            }
        }
        if let value, value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            throw .invalidClaim(name, "contains a control character and cannot be forwarded")
        }
        return value
    }
}
