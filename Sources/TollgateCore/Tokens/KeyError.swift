/// Why a JWK, a JWK Set or a PEM key could not be used. Key material comes
/// from configuration or from the issuer, so the description may name the
/// offending parameter; it never includes key material.
public enum KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON(String)
    case notAnObject
    /// A JWK Set without a `keys` array.
    case notAKeySet
    case unsupportedKeyType(String)
    case missingParameter(String)
    case invalidParameter(String, String)
    /// `use` other than `sig`, or `key_ops` without `verify`/`sign`.
    case notForSignatures
    case unsupportedAlgorithm(String)
    /// The JWK names an `alg` its key type cannot do (an RSA key with `alg: ES256`).
    case algorithmMismatch(JWSAlgorithm, KeyFamily)
    case unsupportedCurve(String)
    /// The key material was rejected by the cryptography library (wrong size, not on the curve, RSA under 2048 bits).
    case invalidKeyMaterial(String)
    /// A PEM document that holds no key Tollgate can use.
    case unrecognizedPEM
    /// A public key where a private key is needed (signing).
    case notAPrivateKey

    public var description: String {
        switch self {
        case .notJSON(let problem): "not valid JSON: \(problem)"
        case .notAnObject: "a JWK must be a JSON object"
        case .notAKeySet: "a JWK Set must be an object with a \"keys\" array"
        case .unsupportedKeyType(let kty): "unsupported key type (kty) \"\(kty)\""
        case .missingParameter(let name): "missing key parameter \"\(name)\""
        case .invalidParameter(let name, let problem): "key parameter \"\(name)\" \(problem)"
        case .notForSignatures: "the key is not for signatures (use/key_ops)"
        case .unsupportedAlgorithm(let alg): "unsupported algorithm (alg) \"\(alg)\""
        case .algorithmMismatch(let alg, let family): "alg \(alg.rawValue) cannot be used with a key of type \(family)"
        case .unsupportedCurve(let crv): "unsupported curve (crv) \"\(crv)\""
        case .invalidKeyMaterial(let problem): "invalid key material: \(problem)"
        case .unrecognizedPEM: "the PEM document holds no supported RSA, EC (P-256/P-384/P-521) or Ed25519 key"
        case .notAPrivateKey: "a private key is needed to sign"
        }
    }
}
