/// Why a DPoP proof (RFC 9449 §4.3) was refused. `description` is the
/// `error_description` of the `invalid_dpop_proof` challenge: it names the
/// check that failed and never repeats a value read from the proof.
public enum DPoPProofError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a compact JWS with a JSON header and claims; the text says why.
    case malformed(String)
    /// `typ` is missing or not `dpop+jwt`.
    case wrongType
    /// `alg` is symmetric or not among the issuer's proof algorithms; nil: not a supported algorithm at all.
    case algorithmNotAllowed(JWSAlgorithm?)
    case missingKey
    /// The `jwk` header holds private key members.
    case privateKey
    /// The `jwk` is not a usable public key (or does not fit `alg`); the text says why.
    case invalidKey(String)
    case badSignature
    case missingClaim(String)
    case invalidClaim(String, String)
    case wrongMethod
    case wrongURI
    case tooOld
    case issuedInFuture
    case wrongAccessTokenHash

    public var description: String {
        switch self {
        case .malformed(let reason): "the DPoP proof is malformed: \(reason)"
        case .wrongType: "the DPoP proof's typ is not dpop+jwt"
        case .algorithmNotAllowed(let alg?): "the DPoP proof's algorithm \(alg.rawValue) is not allowed"
        case .algorithmNotAllowed(nil): "the DPoP proof's algorithm is not supported"
        case .missingKey: "the DPoP proof's header has no jwk"
        case .privateKey: "the DPoP proof's jwk contains a private key"
        case .invalidKey(let reason): "the DPoP proof's jwk is not usable: \(reason)"
        case .badSignature: "the DPoP proof's signature does not verify with its jwk"
        case .missingClaim(let claim): "the DPoP proof has no \(claim) claim"
        case .invalidClaim(let claim, let problem): "the DPoP proof's \(claim) claim \(problem)"
        case .wrongMethod: "the DPoP proof's htm does not match the request method"
        case .wrongURI: "the DPoP proof's htu does not match the request URI"
        case .tooOld: "the DPoP proof is too old (iat)"
        case .issuedInFuture: "the DPoP proof was issued in the future (iat)"
        case .wrongAccessTokenHash: "the DPoP proof's ath does not match the access token"
        }
    }

    /// A short label for metrics and logs.
    public var metricLabel: String {
        switch self {
        case .malformed, .missingClaim, .invalidClaim: "dpop_malformed"
        case .wrongType, .algorithmNotAllowed: "dpop_header"
        case .missingKey, .privateKey, .invalidKey: "dpop_key"
        case .badSignature: "dpop_signature"
        case .wrongMethod, .wrongURI: "dpop_target"
        case .tooOld, .issuedInFuture: "dpop_iat"
        case .wrongAccessTokenHash: "dpop_ath"
        }
    }
}
