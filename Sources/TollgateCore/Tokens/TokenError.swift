/// Why a bearer token was refused. `description` is the RFC 6750
/// `error_description` a client receives: specific enough to act on, and never
/// containing any part of the token (nor a value read from it). `metricLabel`
/// is the short, bounded label for metrics and logs.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token is not a well-formed compact JWS/JWT.
    case malformed(MalformedToken)
    /// `alg: none` (in any spelling): an unsigned token.
    case unsigned
    /// `alg` is not a JWS algorithm Tollgate implements.
    case unsupportedAlgorithm
    /// `alg` is not in the issuer's `algorithms`.
    case algorithmNotAllowed(JWSAlgorithm)
    /// The `kid` names no key of the issuer. The caller may refetch the keys.
    case unknownKeyID
    /// No key that could verify `alg` (keys of another type only, or a JWK limited to another `alg`).
    case noUsableKey(JWSAlgorithm)
    case badSignature
    case expired
    /// `nbf` is in the future beyond the leeway.
    case notYetValid
    /// `iat` is in the future beyond the leeway.
    case issuedInFuture
    case wrongIssuer
    case wrongAudience
    /// The JOSE `typ` is not the issuer's `require_typ`.
    case wrongType
    case missingClaim(String)
    /// A claim has the wrong type or a forbidden value; the second value says what is wrong.
    case invalidClaim(String, String)

    public var description: String {
        switch self {
        case .malformed(let reason): reason.description
        case .unsigned: "unsigned tokens (alg none) are not accepted"
        case .unsupportedAlgorithm: "the token's signature algorithm is not supported"
        case .algorithmNotAllowed(let algorithm): "the signature algorithm \(algorithm.rawValue) is not allowed for this issuer"
        case .unknownKeyID: "the token's key id (kid) is not among the issuer's keys"
        case .noUsableKey(let algorithm): "no key of the issuer can verify \(algorithm.rawValue) signatures"
        case .badSignature: "the token's signature is invalid"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet (nbf)"
        case .issuedInFuture: "the token was issued in the future (iat)"
        case .wrongIssuer: "the token's issuer is not accepted"
        case .wrongAudience: "the token is not intended for this audience"
        case .wrongType: "the token's type (typ) is not accepted"
        case .missingClaim(let claim): "the token has no \(claim) claim"
        case .invalidClaim(let claim, let problem): "the token's \(claim) claim \(problem)"
        }
    }

    /// A short label for metrics and logs: the label of the `TokenCheck.Result` it stands for.
    public var metricLabel: String { TokenCheck.Result(self).label }
}

/// The ways a token string can fail to be a compact JWS/JWT at all.
public enum MalformedToken: Sendable, Equatable, CustomStringConvertible {
    /// The part of a compact JWS a problem is in.
    public enum Part: String, Sendable {
        case header
        case claims = "claims set"
        case signature
    }

    /// Not exactly three `.`-separated segments.
    case segmentCount
    case headerTooLarge(limit: Int)
    case notBase64URL(Part)
    case notJSON(Part)
    case duplicateMember(Part)
    case notAnObject(Part)
    case missingAlgorithm
    /// A JOSE header parameter has the wrong type (`kid`, `typ`, …).
    case invalidHeaderParameter(String)
    /// `crit` names extensions Tollgate does not understand (RFC 7515 §4.1.11).
    case criticalExtension
    /// `cty: JWT`: nested tokens are not accepted.
    case nestedToken
    /// The signature does not have the length its algorithm produces (e.g. DER-encoded ECDSA).
    case signatureLength

    public var description: String {
        switch self {
        case .segmentCount: "the token is not a JWT (three base64url segments separated by dots)"
        case .headerTooLarge(let limit): "the token's header is larger than \(limit) bytes"
        case .notBase64URL(let part): "the token's \(part.rawValue) is not canonical unpadded base64url"
        case .notJSON(let part): "the token's \(part.rawValue) is not valid JSON"
        case .duplicateMember(let part): "the token's \(part.rawValue) repeats a member name"
        case .notAnObject(let part): "the token's \(part.rawValue) is not a JSON object"
        case .missingAlgorithm: "the token's header has no alg"
        case .invalidHeaderParameter(let name): "the token's header parameter \(name) is not a string"
        case .criticalExtension: "the token's header lists critical extensions that are not supported"
        case .nestedToken: "nested tokens (cty JWT) are not accepted"
        case .signatureLength: "the token's signature has the wrong length for its algorithm"
        }
    }
}
