import Crypto

/// An HMAC secret with its keyed state made once: swift-crypto's `HMAC(key:)`
/// pads the key and hashes the inner and outer key blocks, which was 17% of an
/// HS256 verification through `JWTVerifier` (perf, micro-benchmark
/// `TokenVerification`, session 6). A verification copies the keyed state and
/// hashes only the signing input; the code is compared in constant time
/// (`HashedAuthenticationCode ==` is swift-crypto's safe compare).
///
/// A class, so that copying a `VerificationKey` (the key set's array hands
/// out copies) retains one reference instead of the six inside three keyed
/// HMACs: 140 fewer instructions a token (of the verifier's 20,600 beyond
/// the primitive; callgrind, RS256, session 8). Immutable: `Sendable` as it stands.
final class KeyedHMAC: Sendable {
    private let sha256: HMAC<SHA256>
    private let sha384: HMAC<SHA384>
    private let sha512: HMAC<SHA512>

    init(_ secret: SymmetricKey) {
        sha256 = HMAC(key: secret)
        sha384 = HMAC(key: secret)
        sha512 = HMAC(key: secret)
    }

    /// Whether `code` is the HMAC of `input` under `algorithm` (HS256, HS384 or HS512).
    func isValid(_ code: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer, algorithm: JWSAlgorithm) -> Bool {
        switch algorithm {
        case .hs256: Self.isValid(code, for: input, startingFrom: sha256)
        case .hs384: Self.isValid(code, for: input, startingFrom: sha384)
        case .hs512: Self.isValid(code, for: input, startingFrom: sha512)
        default: false
        }
    }

    private static func isValid<H: HashFunction>(_ code: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer, startingFrom keyed: HMAC<H>) -> Bool {
        var mac = keyed
        mac.update(data: input)
        return mac.finalize() == code
    }
}
