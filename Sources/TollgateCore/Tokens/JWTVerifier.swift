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
    /// `forwardedClaims` as what each one forwards, told apart once: comparing
    /// each name with the scope and client-id claim names on every token was
    /// 290 instructions a token (callgrind, RS256, session 10).
    private let forwardedKinds: [ForwardedClaim]

    /// What a forwarded claim name gives: the values the scope and origin
    /// checks use for the scope and client-id claim names, else the claim.
    private enum ForwardedClaim: Sendable {
        case scopes(name: String)
        case clientID(name: String)
        case claim(MemberKey)
    }

    public init(policy: IssuerPolicy, forwardedClaims: [String] = []) {
        self.policy = policy
        self.forwardedClaims = forwardedClaims
        forwardedKinds = forwardedClaims.map { name in
            if name == (policy.scopeClaim ?? "scope") || (policy.scopeClaim == nil && name == "scp") { return .scopes(name: name) }
            if name == (policy.clientIDClaim ?? "client_id") { return .clientID(name: name) }
            return .claim(MemberKey(name))
        }
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
            guard header.mediaType == requiredType else { throw .wrongType }
        }
        let claims = jwt.claims
        let expiresAt = try checkClaims(claims, now: now)
        let key = try verifyingKey(for: jwt.jws, in: keys)

        let subject = try optionalString(.registered(.sub), in: claims)
        let clientID = try self.clientID(in: claims)
        let scopes = try self.scopes(in: claims)
        let confirmation = try TokenConfirmation(cnf: claims[.registered(.cnf)])
        var forwarded: [String?] = []
        forwarded.reserveCapacity(forwardedKinds.count)
        for kind in forwardedKinds {
            switch kind {
            case .scopes(let name): forwarded.append(try checkedForForwarding(scopes.joined, name: name))
            case .clientID(let name): forwarded.append(try checkedForForwarding(clientID, name: name))
            case .claim(let key): forwarded.append(try forwardedValue(of: key, in: claims, subject: subject))
            }
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
        if plain, case .plain(let matches) = claims.plainString(.registered(.iss), is: policy.issuerBytes) {
            guard matches else { throw .wrongIssuer }
        } else {
            guard claims[.registered(.iss)]?.stringValue == policy.issuer else { throw .wrongIssuer }
        }
        let leeway = min(policy.leewaySeconds, Self.dateBound)
        let now = min(max(now, -Self.dateBound), Self.dateBound)
        guard let expiresAt = try numericDate(.registered(.exp), in: claims) else { throw .missingClaim("exp") }
        if now - leeway >= expiresAt { throw .expired }
        if let notBefore = try numericDate(.registered(.nbf), in: claims), notBefore > now + leeway { throw .notYetValid }
        if let issuedAt = try numericDate(.registered(.iat), in: claims), issuedAt > now + leeway { throw .issuedInFuture }
        if policy.audiences.isEmpty {
            return expiresAt
        }
        if plain, case .plain(let accepted) = claims.plainString(.registered(.aud), isOneOf: policy.audienceBytes) {
            guard accepted else { throw .wrongAudience }
        } else {
            guard let audience = claims[.registered(.aud)] else { throw .missingClaim("aud") }
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
    private func numericDate(_ key: MemberKey, in claims: ScannedJSONObject) throws(TokenError) -> Int64? {
        let seconds: Double
        switch claims.plainInteger(key) {
        case .absent:
            return nil
        case .plain(let value):
            seconds = value
        case .other:
            guard let value = claims[key]?.numberValue else { throw .invalidClaim(key.name, "is not a number") }
            seconds = value
        }
        let bound = Double(Self.dateBound)
        return Int64(min(max(seconds, -bound), bound).rounded(.down))
    }

    private func optionalString(_ key: MemberKey, in claims: ScannedJSONObject) throws(TokenError) -> String? {
        switch claims.string(key) {
        case .absent: nil
        case .plain(let text): text
        case .other: throw .invalidClaim(key.name, "is not a string")
        }
    }

    private func clientID(in claims: ScannedJSONObject) throws(TokenError) -> String? {
        if let name = policy.clientIDClaim { return try optionalString(MemberKey(name), in: claims) }
        if let clientID = try optionalString(.registered(.clientID), in: claims) { return clientID }
        return try optionalString(.registered(.azp), in: claims)
    }

    /// The scopes: `scope_claim`, else `scope`, else `scp`; each a
    /// space-delimited string or an array of strings.
    private func scopes(in claims: ScannedJSONObject) throws(TokenError) -> TokenScopes {
        if let name = policy.scopeClaim { return try scopes(MemberKey(name), in: claims) ?? .none }
        if let scopes = try scopes(.registered(.scope), in: claims) { return scopes }
        return try scopes(.registered(.scp), in: claims) ?? .none
    }

    /// The scopes of claim `key`, or `nil` when the token has no such claim.
    private func scopes(_ key: MemberKey, in claims: ScannedJSONObject) throws(TokenError) -> TokenScopes? {
        switch claims.plainString(key) {
        case .absent: return nil
        case .plain(let text): return .delimited(text)
        case .other: break
        }
        guard let value = claims[key] else { return nil }
        switch value {
        case .string(let text):
            return .delimited(text)
        case .array(let elements):
            var scopes: [String] = []
            scopes.reserveCapacity(elements.count)
            for element in elements {
                guard let scope = element.stringValue else { throw .invalidClaim(key.name, "contains a non-string element") }
                if !scope.isEmpty { scopes.append(scope) }
            }
            return .list(scopes)
        default:
            throw .invalidClaim(key.name, "is neither a string nor an array of strings")
        }
    }

    /// A claim as a header value: strings as they are, arrays joined by spaces,
    /// anything else as JSON text. Control characters (CR, LF, NUL…) make the
    /// token invalid rather than reach a header.
    private func forwardedValue(of key: MemberKey, in claims: ScannedJSONObject, subject: String?) throws(TokenError) -> String? {
        let value: String?
        if case .registered(.sub) = key {
            // Already read (a string, or absent): shares its storage instead of
            // making a second copy of a typically 30-byte subject (session 7).
            // A plain one, as the scan noted, has no control character to refuse:
            // looking again cost 280 instructions a token (callgrind, RS256, session 10).
            if claims.isPlainString(key) { return subject }
            value = subject
        } else if case .plain(let text) = claims.plainString(key) {
            // Printable ASCII: no control character to refuse.
            return text
        } else {
            switch claims[key] {
            case nil, .null?: value = nil
            case .string(let text)?: value = text
            case .array(let elements)?: value = elements.map { $0.stringValue ?? $0.jsonText }.joined(separator: " ")
            case let other?: value = other.jsonText
            }
        }
        return try checkedForForwarding(value, name: key.name)
    }

    /// `value`, unless it has a control character and so cannot be forwarded.
    private func checkedForForwarding(_ value: String?, name: String) throws(TokenError) -> String? {
        if let value, Self.hasControlCharacter(value) {
            throw .invalidClaim(name, "contains a control character and cannot be forwarded")
        }
        return value
    }

    /// Whether `value` has a control character other than a tab, or DEL, read
    /// from its contiguous UTF-8: through `utf8.contains(where:)` the check of
    /// a 30-byte subject cost more than copying it (0.2% of an RS256
    /// verification's samples, session 7).
    private static func hasControlCharacter(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            for byte in bytes where (byte < 0x20 && byte != 0x09) || byte == 0x7F { return true }
            return false
        }
    }
}
