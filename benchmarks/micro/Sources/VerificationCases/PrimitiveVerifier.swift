import Crypto
import _CryptoExtras

/// A public key (or HMAC secret) held as swift-crypto's own type, checking a
/// JWS signature the shortest way swift-crypto allows: the baseline that the
/// product's verifier is measured against.
public enum PrimitiveVerifier: Sendable {
    case rsa(_RSA.Signing.PublicKey, _RSA.Signing.Padding)
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
    case hmacSHA256(SymmetricKey)

    /// Makes the signature value from its raw bytes, hashes `input` and checks:
    /// what any verifier handed the decoded segments must do at least. Hashing
    /// goes through `update(bufferPointer:)`, as the verifier's does: swift-crypto's
    /// `hash(data:)` takes a slower, unspecialized path.
    public func isValidSignature(_ signature: [UInt8], for input: [UInt8]) -> Bool {
        switch self {
        case .rsa(let key, let padding):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest(input, SHA256.self), padding: padding
            )
        case .p256(let key):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: digest(input, SHA256.self))
        case .p384(let key):
            guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: digest(input, SHA384.self))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: input)
        case .hmacSHA256(let secret):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: secret)
        }
    }

    private func digest<H: HashFunction>(_ input: [UInt8], _: H.Type) -> H.Digest {
        var hasher = H()
        input.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }
}
