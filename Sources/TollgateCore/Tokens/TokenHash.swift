/// The token cache's hash of a token: its length and its last 16 bytes (the
/// end of the signature segment), through a `Hasher`, which Swift seeds with
/// a random value per process.
///
/// Why not every byte: hashing the whole ~800-byte RS256 token with SipHash
/// (`Hasher.combine(bytes:)`) was 0.59% of the token route's CPU on a cache
/// hit, ~0.45 µs, and about twice that on a miss; this hash is 0.12%, ~0.1 µs
/// (perf, scenario (b): benchmarks/README.md, "What authentication adds over
/// `auth: none` (session 6)").
///
/// Why that is safe: the hash only picks where a token is looked for. The
/// cache still compares every byte of the presented token with the stored
/// one, so two tokens that hash alike (say, differing only before their last
/// 16 bytes) are two entries, never one. An attacker who wants many tokens in
/// one bucket would need them in the cache, and only tokens whose signature
/// verified are inserted: the bytes hashed are the issuer's signature, which
/// the attacker cannot choose, and where they land depends on the process's
/// random seed, which the attacker cannot see. Presented tokens that are never
/// inserted (forged, expired, unknown) only probe the buckets the cache's own
/// entries made; they cannot lengthen them.
enum TokenHash {
    /// Bytes taken from the end of the token.
    static let hashedSuffix = 16

    static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes.count)
        if bytes.count >= hashedSuffix {
            let raw = UnsafeRawBufferPointer(bytes)
            hasher.combine(raw.loadUnaligned(fromByteOffset: bytes.count - hashedSuffix, as: UInt64.self))
            hasher.combine(raw.loadUnaligned(fromByteOffset: bytes.count - hashedSuffix + 8, as: UInt64.self))
        } else {
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }
}
