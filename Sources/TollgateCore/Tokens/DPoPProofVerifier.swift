/// Checks a DPoP proof (RFC 9449 §4.3) against the request it came with:
/// `typ: dpop+jwt`, an allowed asymmetric `alg`, a public `jwk` in the header
/// whose key signed the proof, `htm` and `htu` naming this request, an `iat`
/// within `max_age` (plus the leeway, both ways), a `jti`, and `ath` equal to
/// the hash of the access token. Replay (`jti` seen before) and the token's
/// `cnf.jkt` are the caller's to check with the returned proof.
///
/// The cheap checks run before the signature, as for access tokens; nothing
/// is returned before the signature has been verified.
public struct DPoPProofVerifier: Sendable {
    public let policy: DPoPPolicy

    /// Longest `jti` accepted: RFC 9449 suggests 96 bits of randomness; this is generous and bounds the replay store.
    public static let maxJTIBytes = 256

    public init(policy: DPoPPolicy) {
        self.policy = policy
    }

    /// Verifies `proof` for a request with `method` to `uri`, presenting
    /// `accessToken` (nil: a proof without a token, which must carry no `ath`
    /// check). `keyCache` keeps keys already built, by thumbprint.
    public func verify(
        _ proof: String,
        method: String,
        uri: DPoPTargetURI,
        accessToken: Substring?,
        now: Int64,
        keyCache: DPoPKeyCache? = nil
    ) throws(DPoPProofError) -> VerifiedDPoPProof {
        let jws: CompactJWS
        do {
            jws = try CompactJWS(parsing: proof)
        } catch {
            switch error {
            case .unsigned: throw .algorithmNotAllowed(nil)
            case .unsupportedAlgorithm: throw .algorithmNotAllowed(nil)
            default: throw .malformed(Self.proofWording(error.description))
            }
        }
        let header = jws.header
        guard header.mediaType == "dpop+jwt" else { throw .wrongType }
        let algorithm = header.algorithm
        guard !algorithm.isSymmetric, policy.algorithms.contains(algorithm) else { throw .algorithmNotAllowed(algorithm) }
        guard let jwkValue = header.parameters["jwk"] else { throw .missingKey }
        guard let jwk = jwkValue.objectValue else { throw .invalidKey("it is not a JSON object") }

        let claims: JSONObject
        do {
            claims = try CompactJWS.parseObject(jws.payload, part: .claims)
        } catch {
            throw .malformed(Self.proofWording(error.description))
        }
        let checked = try checkClaims(claims, method: method, uri: uri, accessToken: accessToken, now: now)

        let (key, thumbprint) = try publicKey(jwk, keyCache: keyCache)
        guard key.canVerify(algorithm) else { throw .invalidKey("its key type cannot verify \(algorithm.rawValue)") }
        guard key.isValidSignature(of: jws) else { throw .badSignature }
        return VerifiedDPoPProof(jwkThumbprint: thumbprint, jti: checked.jti, issuedAt: checked.issuedAt)
    }

    /// `htm`, `htu`, `iat`, `jti` and `ath`.
    private func checkClaims(
        _ claims: JSONObject, method: String, uri: DPoPTargetURI, accessToken: Substring?, now: Int64
    ) throws(DPoPProofError) -> (jti: String, issuedAt: Int64) {
        let htm = try string("htm", in: claims)
        guard htm == method else { throw .wrongMethod }
        let htu = try string("htu", in: claims)
        guard let proofURI = DPoPTargetURI(htu) else { throw .invalidClaim("htu", "is not an absolute http(s) URI") }
        guard proofURI == uri else { throw .wrongURI }

        guard let iatValue = claims["iat"] else { throw .missingClaim("iat") }
        guard let seconds = iatValue.numberValue else { throw .invalidClaim("iat", "is not a number") }
        let bound = 1e15
        let issuedAt = Int64(min(max(seconds, -bound), bound).rounded(.down))
        if now - issuedAt > policy.maxAgeSeconds + policy.leewaySeconds { throw .tooOld }
        if issuedAt - now > policy.leewaySeconds { throw .issuedInFuture }

        let jti = try string("jti", in: claims)
        guard jti.utf8.count <= Self.maxJTIBytes else { throw .invalidClaim("jti", "is longer than \(Self.maxJTIBytes) bytes") }

        if let accessToken {
            let ath = try string("ath", in: claims)
            guard ath == JWKThumbprint.sha256Base64URL(accessToken) else { throw .wrongAccessTokenHash }
        }
        return (jti, issuedAt)
    }

    private func string(_ name: String, in claims: JSONObject) throws(DPoPProofError) -> String {
        guard let value = claims[name] else { throw .missingClaim(name) }
        guard let text = value.stringValue, !text.isEmpty else { throw .invalidClaim(name, "is not a non-empty string") }
        return text
    }

    /// JWK members that only a private (or symmetric) key has (RFC 7518 §6).
    private static let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    /// The proof's public key, from the cache by thumbprint or built from the
    /// thumbprint's members alone (so that `alg`, `use` or `kid` in the JWK
    /// cannot make two spellings of one key behave differently).
    private func publicKey(_ jwk: JSONObject, keyCache: DPoPKeyCache?) throws(DPoPProofError) -> (VerificationKey, String) {
        if Self.privateMembers.contains(where: { jwk[$0] != nil }) { throw .privateKey }
        let thumbprint: String
        do {
            thumbprint = try JWKThumbprint.sha256(of: jwk)
        } catch {
            throw .invalidKey(error.description)
        }
        if let cached = keyCache?.key(forThumbprint: thumbprint) { return (cached, thumbprint) }
        let required = jwk.keys.indices.filter { ["kty", "crv", "x", "y", "n", "e"].contains(jwk.keys[$0]) }
        let reduced = JSONObject(uniqueKeysWithValues: required.map { (jwk.keys[$0], jwk.values[$0]) })
        let key: VerificationKey
        do {
            key = try VerificationKey(jwk: reduced)
        } catch {
            throw .invalidKey(error.description)
        }
        keyCache?.insert(key, thumbprint: thumbprint)
        return (key, thumbprint)
    }

    /// A token error's text, reworded for a proof.
    private static func proofWording(_ text: String) -> String {
        text.replacing("the token's ", with: "its ").replacing("the token ", with: "it ")
    }
}

/// A proof that passed every check of `DPoPProofVerifier`: what the caller
/// still compares (the token's `cnf.jkt`) and records (the `jti`, until the
/// proof could no longer be accepted).
public struct VerifiedDPoPProof: Sendable, Hashable {
    /// The RFC 7638 thumbprint of the proof's `jwk`.
    public let jwkThumbprint: String
    public let jti: String
    public let issuedAt: Int64

    public init(jwkThumbprint: String, jti: String, issuedAt: Int64) {
        self.jwkThumbprint = jwkThumbprint
        self.jti = jti
        self.issuedAt = issuedAt
    }
}
