import Crypto

/// An HMAC secret with its keyed state made once (RFC 2104): the secret's
/// padded inner and outer blocks are hashed when the key is loaded, and a
/// verification copies those two hash states and hashes only the signing
/// input and the inner digest.
///
/// Built on swift-crypto's hash functions rather than its `HMAC`: keying
/// `HMAC(key:)` on every call was 17% of an HS256 verification (session 6),
/// and a copied `HMAC`'s `update(data:)` and `==` take swift-crypto's
/// unspecialized `DataProtocol` paths, whose generic-metadata lookups were 7%
/// of an HS256 verification's samples and `HMAC.update` 21% with the hashing
/// inside it 13% (perf, `VerificationCallgrind HS256 verifier`, session 10).
///
/// A class, so that copying a `VerificationKey` (the key set's array hands
/// out copies) retains one reference instead of the six hash states inside.
/// Immutable: `Sendable` as it stands.
final class KeyedHMAC: Sendable {
    private let sha256: PaddedKeyHashes<SHA256>
    private let sha384: PaddedKeyHashes<SHA384>
    private let sha512: PaddedKeyHashes<SHA512>

    init(_ secret: SymmetricKey) {
        sha256 = PaddedKeyHashes(secret)
        sha384 = PaddedKeyHashes(secret)
        sha512 = PaddedKeyHashes(secret)
    }

    /// Whether `code` is the HMAC of `input` under `algorithm` (HS256, HS384 or HS512).
    func isValid(_ code: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer, algorithm: JWSAlgorithm) -> Bool {
        switch algorithm {
        case .hs256: sha256.isValid(code, for: input)
        case .hs384: sha384.isValid(code, for: input)
        case .hs512: sha512.isValid(code, for: input)
        default: false
        }
    }
}

/// One hash function's HMAC state for one secret: `H` after absorbing
/// `K ⊕ ipad`, and after absorbing `K ⊕ opad`, where `K` is the secret
/// (hashed first when longer than a block) zero-padded to the block size.
private struct PaddedKeyHashes<H: HashFunction>: Sendable {
    let inner: H
    let outer: H

    init(_ secret: SymmetricKey) {
        var block = [UInt8](repeating: 0, count: H.blockByteCount)
        secret.withUnsafeBytes { key in
            if key.count > H.blockByteCount {
                var hasher = H()
                hasher.update(bufferPointer: key)
                hasher.finalize().withUnsafeBytes { digest in block.replaceSubrange(0..<digest.count, with: digest) }
            } else {
                block.replaceSubrange(0..<key.count, with: key)
            }
        }
        inner = Self.hasher(absorbing: block.map { $0 ^ 0x36 })
        outer = Self.hasher(absorbing: block.map { $0 ^ 0x5C })
    }

    private static func hasher(absorbing block: [UInt8]) -> H {
        var hasher = H()
        block.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher
    }

    /// Compares in constant time: every byte is looked at whatever the first difference.
    func isValid(_ code: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer) -> Bool {
        withCode(for: input) { mac in
            guard mac.count == code.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<mac.count {
                difference |= mac[index] ^ code[index]
            }
            return difference == 0
        }
    }

    private func withCode<Result>(for input: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var inner = self.inner
        inner.update(bufferPointer: input)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes(body)
    }
}
