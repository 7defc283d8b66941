/// The JWS `alg` values Tollgate verifies (RFC 7518, RFC 8037). `none` is not
/// among them on purpose: it can never be configured or accepted.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case edDSA = "EdDSA"
    case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"

    /// SPEC's default for an issuer that does not list `algorithms`.
    public static let defaultAllowed: [JWSAlgorithm] = [.rs256, .ps256, .es256, .es384, .edDSA]

    /// True for HS*: these need a shared secret, never a public key.
    public var isSymmetric: Bool {
        switch self {
        case .hs256, .hs384, .hs512: true
        default: false
        }
    }
}
