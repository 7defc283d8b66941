import Crypto
import _CryptoExtras

/// Reads the members of an RFC 7517 JWK that every key type shares, and the
/// base64url-encoded key parameters, with precise errors.
enum JWKMembers {
    /// A JWK's JSON text as an object.
    static func object(fromJSON text: String) throws(KeyError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw .notJSON(error.description)
        }
        guard let object = value.objectValue else { throw .notAnObject }
        return object
    }

    /// What a key is wanted for; `use` and `key_ops` must allow it.
    enum Purpose {
        case verify
        case sign
    }

    struct Common {
        let keyType: String
        let keyID: String?
        let algorithm: JWSAlgorithm?
    }

    static func common(_ jwk: JSONObject, purpose: Purpose) throws(KeyError) -> Common {
        guard let keyType = try optionalString("kty", in: jwk) else { throw .missingParameter("kty") }
        if let use = try optionalString("use", in: jwk), use != "sig" { throw .notForSignatures }
        if let operations = jwk["key_ops"] {
            guard case .array(let elements) = operations else { throw .invalidParameter("key_ops", "must be an array of strings") }
            let wanted = purpose == .verify ? "verify" : "sign"
            guard elements.contains(.string(wanted)) else { throw .notForSignatures }
        }
        var algorithm: JWSAlgorithm?
        if let name = try optionalString("alg", in: jwk) {
            guard let known = JWSAlgorithm(jose: name) else { throw .unsupportedAlgorithm(name) }
            algorithm = known
        }
        return Common(keyType: keyType, keyID: try optionalString("kid", in: jwk), algorithm: algorithm)
    }

    static func optionalString(_ name: String, in jwk: JSONObject) throws(KeyError) -> String? {
        guard let value = jwk[name] else { return nil }
        guard let string = value.stringValue else { throw .invalidParameter(name, "must be a string") }
        return string
    }

    static func string(_ name: String, in jwk: JSONObject) throws(KeyError) -> String {
        guard let string = try optionalString(name, in: jwk) else { throw .missingParameter(name) }
        return string
    }

    /// A required base64url parameter, optionally of an exact length in bytes.
    static func bytes(_ name: String, in jwk: JSONObject, count: Int? = nil) throws(KeyError) -> [UInt8] {
        guard let bytes = Base64URL.decode(try string(name, in: jwk)) else {
            throw .invalidParameter(name, "is not canonical unpadded base64url")
        }
        if let count, bytes.count != count { throw .invalidParameter(name, "must be \(count) bytes") }
        if bytes.isEmpty { throw .invalidParameter(name, "is empty") }
        return bytes
    }

    static func curve(_ jwk: JSONObject) throws(KeyError) -> ECCurve {
        let name = try string("crv", in: jwk)
        guard let curve = ECCurve(rawValue: name) else { throw .unsupportedCurve(name) }
        return curve
    }

    static func requireEd25519(_ jwk: JSONObject) throws(KeyError) {
        let name = try string("crv", in: jwk)
        guard name == "Ed25519" else { throw .unsupportedCurve(name) }
    }

    /// HMAC secrets shorter than SHA-256's output are refused (RFC 7518 §3.2).
    static let minimumHMACSecretBytes = 32

    static func hmacSecret(_ jwk: JSONObject) throws(KeyError) -> SymmetricKey {
        let secret = try bytes("k", in: jwk)
        guard secret.count >= minimumHMACSecretBytes else {
            throw .invalidParameter("k", "must be at least \(minimumHMACSecretBytes) bytes")
        }
        return SymmetricKey(data: secret)
    }
}

extension VerificationKey {
    /// A verification key from a JWK. RSA keys need `n` and `e` (2048 bits or
    /// more), EC keys `crv` (P-256, P-384, P-521), `x` and `y`, OKP keys
    /// `crv: Ed25519` and `x`, oct keys `k`. Private members, when present, are ignored.
    public convenience init(jwk: JSONObject) throws(KeyError) {
        let common = try JWKMembers.common(jwk, purpose: .verify)
        let material: Material
        switch common.keyType {
        case "RSA":
            let n = try JWKMembers.bytes("n", in: jwk)
            let e = try JWKMembers.bytes("e", in: jwk)
            do {
                material = .rsa(try _RSA.Signing.PublicKey(n: n, e: e))
            } catch {
                throw .invalidKeyMaterial("not a usable RSA public key (2048 bits or more)")
            }
        case "EC":
            let curve = try JWKMembers.curve(jwk)
            let x = try JWKMembers.bytes("x", in: jwk, count: curve.coordinateByteCount)
            let y = try JWKMembers.bytes("y", in: jwk, count: curve.coordinateByteCount)
            let point = [0x04] + x + y
            do {
                switch curve {
                case .p256: material = .p256(try P256.Signing.PublicKey(x963Representation: point))
                case .p384: material = .p384(try P384.Signing.PublicKey(x963Representation: point))
                case .p521: material = .p521(try P521.Signing.PublicKey(x963Representation: point))
                }
            } catch {
                throw .invalidKeyMaterial("the point is not on curve \(curve.rawValue)")
            }
        case "OKP":
            try JWKMembers.requireEd25519(jwk)
            let x = try JWKMembers.bytes("x", in: jwk, count: 32)
            do {
                material = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: x))
            } catch {
                throw .invalidKeyMaterial("not an Ed25519 public key")
            }
        case "oct":
            material = .hmac(try JWKMembers.hmacSecret(jwk))
        default:
            throw .unsupportedKeyType(common.keyType)
        }
        try self.init(material: material, keyID: common.keyID, algorithm: common.algorithm)
    }

    /// A verification key from a JWK's JSON text.
    public convenience init(jwkJSON: String) throws(KeyError) {
        try self.init(jwk: JWKMembers.object(fromJSON: jwkJSON))
    }
}

extension SigningKey {
    /// A signing key from a private JWK: RSA needs `n`, `e`, `d`, `p`, `q`; EC
    /// `crv`, `x`, `y`, `d`; OKP `crv: Ed25519`, `x`, `d`; oct `k`. The public
    /// members must match the private ones.
    public init(jwk: JSONObject) throws(KeyError) {
        let common = try JWKMembers.common(jwk, purpose: .sign)
        if common.keyType != "oct", jwk["d"] == nil { throw .notAPrivateKey }
        let material: Material
        switch common.keyType {
        case "RSA":
            let n = try JWKMembers.bytes("n", in: jwk), e = try JWKMembers.bytes("e", in: jwk)
            let d = try JWKMembers.bytes("d", in: jwk)
            let p = try JWKMembers.bytes("p", in: jwk), q = try JWKMembers.bytes("q", in: jwk)
            do {
                material = .rsa(try _RSA.Signing.PrivateKey(n: n, e: e, d: d, p: p, q: q))
            } catch {
                throw .invalidKeyMaterial("not a usable RSA private key (2048 bits or more)")
            }
        case "EC":
            let curve = try JWKMembers.curve(jwk)
            let size = curve.coordinateByteCount
            let point = [0x04] + (try JWKMembers.bytes("x", in: jwk, count: size)) + (try JWKMembers.bytes("y", in: jwk, count: size))
            let d = try JWKMembers.bytes("d", in: jwk, count: size)
            let derivedPoint: [UInt8]
            do {
                switch curve {
                case .p256:
                    let key = try P256.Signing.PrivateKey(rawRepresentation: d)
                    material = .p256(key)
                    derivedPoint = Array(key.publicKey.x963Representation)
                case .p384:
                    let key = try P384.Signing.PrivateKey(rawRepresentation: d)
                    material = .p384(key)
                    derivedPoint = Array(key.publicKey.x963Representation)
                case .p521:
                    let key = try P521.Signing.PrivateKey(rawRepresentation: d)
                    material = .p521(key)
                    derivedPoint = Array(key.publicKey.x963Representation)
                }
            } catch {
                throw .invalidKeyMaterial("not a private key on curve \(curve.rawValue)")
            }
            guard derivedPoint == point else { throw .invalidKeyMaterial("x and y do not belong to d") }
        case "OKP":
            try JWKMembers.requireEd25519(jwk)
            let x = try JWKMembers.bytes("x", in: jwk, count: 32)
            let d = try JWKMembers.bytes("d", in: jwk, count: 32)
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: d) else {
                throw .invalidKeyMaterial("not an Ed25519 private key")
            }
            guard Array(key.publicKey.rawRepresentation) == x else { throw .invalidKeyMaterial("x does not belong to d") }
            material = .ed25519(key)
        case "oct":
            material = .hmac(try JWKMembers.hmacSecret(jwk))
        default:
            throw .unsupportedKeyType(common.keyType)
        }
        try self.init(material: material, keyID: common.keyID, algorithm: common.algorithm)
    }

    /// A signing key from a private JWK's JSON text.
    public init(jwkJSON: String) throws(KeyError) {
        try self.init(jwk: JWKMembers.object(fromJSON: jwkJSON))
    }
}
