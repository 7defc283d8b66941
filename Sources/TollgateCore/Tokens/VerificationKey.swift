import Crypto
import Foundation
import _CryptoExtras

/// A key that checks JWS signatures: an issuer's public key (RSA, EC, Ed25519)
/// or a shared HMAC secret. A key verifies only the algorithms of its own
/// family, and only its JWK's `alg` when that is named. HMAC with a public key
/// cannot happen: the HMAC case holds only secrets read from `kty: oct` JWKs,
/// never bytes of a public key.
///
/// An immutable final class: the key set's array hands out a key per lookup,
/// and each copy of the struct retained and released its four references
/// (id, identity, material, HMAC state). With `JOSEHeader` a class too,
/// 1,900 fewer instructions a token (callgrind, RS256, session 10).
public final class VerificationKey: Sendable {
    /// The key material, typed by family.
    enum Material: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
        case hmac(SymmetricKey)
    }

    public let keyID: String?
    /// The JWK's `alg`, when it restricts the key to one algorithm.
    public let algorithm: JWSAlgorithm?
    public let identity: KeyIdentity
    let material: Material
    /// For an HMAC secret, its keyed state, made once.
    private let keyedHMAC: KeyedHMAC?

    init(material: Material, keyID: String?, algorithm: JWSAlgorithm?) throws(KeyError) {
        self.material = material
        self.keyID = keyID
        self.algorithm = algorithm
        identity = KeyIdentity(material)
        keyedHMAC = if case .hmac(let secret) = material { KeyedHMAC(secret) } else { nil }
        if let algorithm, algorithm.keyFamily != family {
            throw .algorithmMismatch(algorithm, family)
        }
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

    /// The algorithms this key accepts.
    public func canVerify(_ algorithm: JWSAlgorithm) -> Bool {
        algorithm.keyFamily == family && (self.algorithm == nil || self.algorithm == algorithm)
    }

    /// Checks the signature of `jws` with this key, under the header's `alg`.
    public func isValidSignature(of jws: CompactJWS) -> Bool {
        guard canVerify(jws.header.algorithm) else { return false }
        return jws.withSignature { signature in
            jws.withSigningInput { input in
                isValidSignature(signature, for: input, algorithm: jws.header.algorithm)
            }
        }
    }

    /// ECDSA signatures must be the JOSE form R || S. High-S signatures (S > n/2)
    /// are accepted, as JWA and BoringSSL do: malleating S yields a different token
    /// string over the same claims from the same issuer, which gains an attacker
    /// nothing here (the token cache is keyed by the whole token string, and no
    /// decision depends on a signature being unique).
    private func isValidSignature(_ signature: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer, algorithm: JWSAlgorithm) -> Bool {
        switch material {
        case .rsa(let key):
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let padding: _RSA.Signing.Padding
            switch algorithm {
            case .ps256, .ps384, .ps512: padding = .PSS
            default: padding = .insecurePKCS1v1_5
            }
            switch algorithm {
            case .rs256, .ps256: return key.isValidSignature(rsaSignature, for: Self.digest(input, SHA256.self), padding: padding)
            case .rs384, .ps384: return key.isValidSignature(rsaSignature, for: Self.digest(input, SHA384.self), padding: padding)
            case .rs512, .ps512: return key.isValidSignature(rsaSignature, for: Self.digest(input, SHA512.self), padding: padding)
            default: return false
            }
        case .p256(let key):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: Self.digest(input, SHA256.self))
        case .p384(let key):
            guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: Self.digest(input, SHA384.self))
        case .p521(let key):
            guard let ecdsa = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: Self.digest(input, SHA512.self))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: input)
        case .hmac:
            return keyedHMAC?.isValid(signature, for: input, algorithm: algorithm) ?? false
        }
    }
}

extension VerificationKey {
    /// The digest of `input` through the hash function's `update(bufferPointer:)`:
    /// `hash(data:)` goes through swift-crypto's unspecialized `DataProtocol` path,
    /// whose generic-metadata lookups showed in the verifier's profile.
    fileprivate static func digest<H: HashFunction>(_ input: UnsafeRawBufferPointer, _: H.Type) -> H.Digest {
        var hasher = H()
        hasher.update(bufferPointer: input)
        return hasher.finalize()
    }
}

/// A key's RFC 7638 JWK thumbprint (base64url SHA-256 of its required members):
/// the same key has the same identity whether it came from a JWK or a PEM file
/// and across refetches, so cached tokens survive a refresh that keeps their key.
public struct KeyIdentity: Sendable, Hashable, CustomStringConvertible {
    public let thumbprint: String

    /// An identity from a thumbprint computed elsewhere.
    public init(thumbprint: String) {
        self.thumbprint = thumbprint
    }

    init(_ material: VerificationKey.Material) {
        let canonical: String
        switch material {
        case .rsa(let key):
            let primitives = try? key.getKeyPrimitives()
            let e = Base64URL.encode(Self.unsignedBigEndian(primitives?.publicExponent ?? Data()))
            let n = Base64URL.encode(Self.unsignedBigEndian(primitives?.modulus ?? Data()))
            canonical = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        case .p256(let key):
            canonical = Self.ecCanonical(curve: .p256, x963: key.x963Representation)
        case .p384(let key):
            canonical = Self.ecCanonical(curve: .p384, x963: key.x963Representation)
        case .p521(let key):
            canonical = Self.ecCanonical(curve: .p521, x963: key.x963Representation)
        case .ed25519(let key):
            canonical = #"{"crv":"Ed25519","kty":"OKP","x":"\#(Base64URL.encode(key.rawRepresentation))"}"#
        case .hmac(let secret):
            let k = secret.withUnsafeBytes { Base64URL.encode(Array($0)) }
            canonical = #"{"k":"\#(k)","kty":"oct"}"#
        }
        thumbprint = Base64URL.encode(Array(SHA256.hash(data: Array(canonical.utf8))))
    }

    public var description: String { thumbprint }

    private static func ecCanonical(curve: ECCurve, x963: Data) -> String {
        let size = curve.coordinateByteCount
        let point = Array(x963.dropFirst())
        let x = Base64URL.encode(point.prefix(size))
        let y = Base64URL.encode(point.suffix(size))
        return #"{"crv":"\#(curve.rawValue)","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
    }

    private static func unsignedBigEndian(_ data: Data) -> [UInt8] {
        let bytes = Array(data.drop { $0 == 0 })
        return bytes.isEmpty ? [0] : bytes
    }
}
