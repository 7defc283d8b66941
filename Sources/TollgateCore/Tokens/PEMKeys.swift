import Crypto
import _CryptoExtras

extension VerificationKey {
    /// A verification key from PEM: an SPKI `PUBLIC KEY` (RSA, EC P-256/P-384/P-521,
    /// Ed25519) or a PKCS#1 `RSA PUBLIC KEY`. A private key is accepted too, and
    /// its public half used, so one key file can serve `tollgate token` and a
    /// test gateway. RSA keys must have 2048 bits or more. PEM never yields an
    /// HMAC key.
    public convenience init(pem: String, keyID: String? = nil, algorithm: JWSAlgorithm? = nil) throws(KeyError) {
        let material: Material
        if let publicMaterial = Self.publicMaterial(pem: pem) {
            material = publicMaterial
        } else if let privateKey = try? SigningKey(pem: pem) {
            material = privateKey.verificationKey.material
        } else {
            throw .unrecognizedPEM
        }
        try self.init(material: material, keyID: keyID, algorithm: algorithm)
    }

    /// The key of a public-key PEM document, or `nil`.
    static func publicMaterial(pem: String) -> Material? {
        if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) { return .rsa(key) }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return .p256(key) }
        if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) { return .p384(key) }
        if let key = try? P521.Signing.PublicKey(pemRepresentation: pem) { return .p521(key) }
        if let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) { return .ed25519(key) }
        return nil
    }
}

extension SigningKey {
    /// A signing key from PEM: PKCS#8 `PRIVATE KEY` (RSA, EC, Ed25519), SEC 1
    /// `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`.
    public init(pem: String, keyID: String? = nil) throws(KeyError) {
        let material: Material
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            material = .rsa(key)
        } else if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            material = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            material = .p384(key)
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            material = .p521(key)
        } else if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            material = .ed25519(key)
        } else if VerificationKey.publicMaterial(pem: pem) != nil {
            throw .notAPrivateKey
        } else {
            throw .unrecognizedPEM
        }
        try self.init(material: material, keyID: keyID, algorithm: nil)
    }

    /// The key as PKCS#8 PEM (`PRIVATE KEY`); `nil` for HMAC secrets, which have no PEM form.
    public var pemRepresentation: String? {
        switch material {
        case .rsa(let key): key.pkcs8PEMRepresentation
        case .p256(let key): key.pemRepresentation
        case .p384(let key): key.pemRepresentation
        case .p521(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        case .hmac: nil
        }
    }

    /// The public key as SPKI PEM (`PUBLIC KEY`); `nil` for HMAC secrets.
    public var publicKeyPEM: String? {
        switch material {
        case .rsa(let key): key.publicKey.pemRepresentation
        case .p256(let key): key.publicKey.pemRepresentation
        case .p384(let key): key.publicKey.pemRepresentation
        case .p521(let key): key.publicKey.pemRepresentation
        case .ed25519(let key): key.publicKey.pemRepresentation
        case .hmac: nil
        }
    }
}
