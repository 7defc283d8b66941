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

extension JWSAlgorithm {
    /// The kind of key that can produce and check signatures of this algorithm.
    public var keyFamily: KeyFamily {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: .rsa
        case .es256: .ec(.p256)
        case .es384: .ec(.p384)
        case .es512: .ec(.p521)
        case .edDSA: .ed25519
        case .hs256, .hs384, .hs512: .hmac
        }
    }

    /// Parses a JOSE `alg` value exactly as registered (case-sensitive, RFC 7515 §4.1.1).
    public init?(jose name: some StringProtocol) {
        self.init(rawValue: String(name))
    }
}

/// The families of keys a JWS algorithm needs; a key verifies only the
/// algorithms of its own family, which is what makes alg confusion impossible.
public enum KeyFamily: Sendable, Hashable, CustomStringConvertible {
    case rsa
    case ec(ECCurve)
    case ed25519
    case hmac

    public var description: String {
        switch self {
        case .rsa: "RSA"
        case .ec(let curve): "EC \(curve.rawValue)"
        case .ed25519: "OKP Ed25519"
        case .hmac: "oct"
        }
    }
}

/// The NIST curves JOSE uses for ECDSA (RFC 7518 §3.4), by their JWK `crv` names.
public enum ECCurve: String, Sendable, Hashable {
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"

    /// The size in bytes of one coordinate, and of each of R and S in a JOSE signature.
    public var coordinateByteCount: Int {
        switch self {
        case .p256: 32
        case .p384: 48
        case .p521: 66
        }
    }
}
