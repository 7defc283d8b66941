import Crypto
import Foundation
import _CryptoExtras

/// A private key (or HMAC secret) that mints tokens: used by `tollgate token`,
/// `tollgate demo`, tests and benchmarks. The gateway itself never signs.
public struct SigningKey: Sendable {
    enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case hmac(SymmetricKey)
    }

    /// The `kid` written into tokens' headers.
    public var keyID: String?
    /// The JWK's `alg`, when it restricts the key to one algorithm.
    public let algorithm: JWSAlgorithm?
    let material: Material

    init(material: Material, keyID: String?, algorithm: JWSAlgorithm?) throws(KeyError) {
        self.material = material
        self.keyID = keyID
        self.algorithm = algorithm
        if let algorithm, algorithm.keyFamily != family { throw .algorithmMismatch(algorithm, family) }
    }

    /// A fresh key of `family` (RSA keys are 2048 bits, HMAC secrets 32 bytes).
    public static func generate(_ family: KeyFamily, keyID: String? = nil) throws(KeyError) -> SigningKey {
        let material: Material
        switch family {
        case .rsa:
            do {
                material = .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            } catch {
                throw .invalidKeyMaterial("RSA key generation failed")
            }
        case .ec(.p256): material = .p256(P256.Signing.PrivateKey())
        case .ec(.p384): material = .p384(P384.Signing.PrivateKey())
        case .ec(.p521): material = .p521(P521.Signing.PrivateKey())
        case .ed25519: material = .ed25519(Curve25519.Signing.PrivateKey())
        case .hmac: material = .hmac(SymmetricKey(size: .bits256))
        }
        return try SigningKey(material: material, keyID: keyID, algorithm: nil)
    }

    /// An HMAC key from its secret (at least 32 bytes).
    public init(hmacSecret: [UInt8], keyID: String? = nil) throws(KeyError) {
        guard hmacSecret.count >= JWKMembers.minimumHMACSecretBytes else {
            throw .invalidParameter("k", "must be at least \(JWKMembers.minimumHMACSecretBytes) bytes")
        }
        try self.init(material: .hmac(SymmetricKey(data: hmacSecret)), keyID: keyID, algorithm: nil)
    }

    public var family: KeyFamily {
        switch material {
        case .rsa: .rsa
        case .p256: .ec(.p256)
        case .p384: .ec(.p384)
        case .p521: .ec(.p521)
        case .ed25519: .ed25519
        case .hmac: .hmac
        }
    }

    /// The JWK's `alg` when it names one, else RS256, ES256/384/512 by curve, EdDSA or HS256.
    public var defaultAlgorithm: JWSAlgorithm {
        if let algorithm { return algorithm }
        return switch family {
        case .rsa: .rs256
        case .ec(.p256): .es256
        case .ec(.p384): .es384
        case .ec(.p521): .es512
        case .ed25519: .edDSA
        case .hmac: .hs256
        }
    }

    /// The key that verifies this key's signatures (for HMAC, the same secret).
    public var verificationKey: VerificationKey {
        let publicMaterial: VerificationKey.Material = switch material {
        case .rsa(let key): .rsa(key.publicKey)
        case .p256(let key): .p256(key.publicKey)
        case .p384(let key): .p384(key.publicKey)
        case .p521(let key): .p521(key.publicKey)
        case .ed25519(let key): .ed25519(key.publicKey)
        case .hmac(let secret): .hmac(secret)
        }
        // The algorithm was checked against the family when this key was made.
        return try! VerificationKey(material: publicMaterial, keyID: keyID, algorithm: algorithm)
    }

    /// The JWK a verifier needs: the public members, or for HMAC the secret itself.
    public var verificationJWK: JSONObject {
        var members: [(String, JSONValue)] = []
        switch material {
        case .rsa(let key):
            let primitives = try? key.publicKey.getKeyPrimitives()
            members = [("kty", .string("RSA")),
                       ("n", .string(Base64URL.encode(primitives?.modulus ?? Data()))),
                       ("e", .string(Base64URL.encode(primitives?.publicExponent ?? Data())))]
        case .p256(let key): members = Self.ecMembers(.p256, x963: key.publicKey.x963Representation)
        case .p384(let key): members = Self.ecMembers(.p384, x963: key.publicKey.x963Representation)
        case .p521(let key): members = Self.ecMembers(.p521, x963: key.publicKey.x963Representation)
        case .ed25519(let key):
            members = [("kty", .string("OKP")), ("crv", .string("Ed25519")),
                       ("x", .string(Base64URL.encode(key.publicKey.rawRepresentation)))]
        case .hmac(let secret):
            members = [("kty", .string("oct")), ("k", .string(secret.withUnsafeBytes { Base64URL.encode(Array($0)) }))]
        }
        members.append(("use", .string("sig")))
        members.append(("alg", .string(defaultAlgorithm.rawValue)))
        if let keyID { members.append(("kid", .string(keyID))) }
        return JSONObject(uniqueKeysWithValues: members)
    }

    private static func ecMembers(_ curve: ECCurve, x963: Data) -> [(String, JSONValue)] {
        let point = Array(x963.dropFirst())
        return [("kty", .string("EC")), ("crv", .string(curve.rawValue)),
                ("x", .string(Base64URL.encode(point.prefix(curve.coordinateByteCount)))),
                ("y", .string(Base64URL.encode(point.suffix(curve.coordinateByteCount))))]
    }

    /// The JWS signature of `input` (ECDSA in the JOSE form R || S).
    public func signature(for input: some DataProtocol, algorithm: JWSAlgorithm) throws(KeyError) -> [UInt8] {
        guard algorithm.keyFamily == family, self.algorithm == nil || self.algorithm == algorithm else {
            throw .algorithmMismatch(algorithm, family)
        }
        do {
            switch material {
            case .rsa(let key):
                let padding: _RSA.Signing.Padding = switch algorithm {
                case .ps256, .ps384, .ps512: .PSS
                default: .insecurePKCS1v1_5
                }
                let signature = switch algorithm {
                case .rs384, .ps384: try key.signature(for: SHA384.hash(data: input), padding: padding)
                case .rs512, .ps512: try key.signature(for: SHA512.hash(data: input), padding: padding)
                default: try key.signature(for: SHA256.hash(data: input), padding: padding)
                }
                return Array(signature.rawRepresentation)
            case .p256(let key): return Array(try key.signature(for: SHA256.hash(data: input)).rawRepresentation)
            case .p384(let key): return Array(try key.signature(for: SHA384.hash(data: input)).rawRepresentation)
            case .p521(let key): return Array(try key.signature(for: SHA512.hash(data: input)).rawRepresentation)
            case .ed25519(let key): return Array(try key.signature(for: input))
            case .hmac(let secret):
                return switch algorithm {
                case .hs384: Array(HMAC<SHA384>.authenticationCode(for: input, using: secret))
                case .hs512: Array(HMAC<SHA512>.authenticationCode(for: input, using: secret))
                default: Array(HMAC<SHA256>.authenticationCode(for: input, using: secret))
                }
            }
        } catch {
            throw .invalidKeyMaterial("signing failed")
        }
    }

    /// A compact JWS of `payload`, with a header of `alg`, then `typ` and `kid` when given.
    public func compactJWS(payload: [UInt8], algorithm: JWSAlgorithm? = nil, type: String? = nil) throws(KeyError) -> String {
        let algorithm = algorithm ?? defaultAlgorithm
        var header: [(String, JSONValue)] = [("alg", .string(algorithm.rawValue))]
        if let type { header.append(("typ", .string(type))) }
        if let keyID { header.append(("kid", .string(keyID))) }
        let headerJSON = JSONValue.object(JSONObject(uniqueKeysWithValues: header)).jsonText
        let signingInput = Base64URL.encode(Array(headerJSON.utf8)) + "." + Base64URL.encode(payload)
        let signature = try self.signature(for: Array(signingInput.utf8), algorithm: algorithm)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// A signed JWT with these claims.
    public func jwt(claims: JSONObject, algorithm: JWSAlgorithm? = nil, type: String? = nil) throws(KeyError) -> String {
        try compactJWS(payload: Array(JSONValue.object(claims).jsonText.utf8), algorithm: algorithm, type: type)
    }
}
