#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The JOSE headers one event loop has decoded, by their encoded bytes. An
/// issuer signs every token with the same header (`alg`, `kid`, `typ`), so
/// after the first token of a key, a cache miss skips the header's base64url
/// decode, scan and parameter reads: about 0.7 µs of the 3.5 µs a token's
/// parse and checks cost next to its signature (HS256 profile, micro-benchmark
/// `TokenVerification`, session 6).
///
/// A header is a pure function of its bytes, so a memoized one is exactly
/// what decoding would give. Only headers that decoded cleanly are kept; a
/// header that fails is decoded (and fails) every time. Bounded to a few
/// entries, replaced in turn: a flood of distinct headers only costs what
/// decoding them costs anyway. Owned by one loop (not `Sendable`), no lock.
public final class JOSEHeaderMemo {
    /// How many distinct headers are kept: a few issuers, a key rotation in flight.
    public static let capacity = 8

    private var encoded: [[UInt8]] = []
    private var headers: [JOSEHeader] = []
    private var next = 0

    public init() {}

    /// The header whose base64url encoding is `bytes`: remembered, or decoded by `decode` and then remembered.
    func header(
        encodedAs bytes: UnsafeBufferPointer<UInt8>,
        decode: (UnsafeBufferPointer<UInt8>) throws(TokenError) -> JOSEHeader
    ) throws(TokenError) -> JOSEHeader {
        for index in encoded.indices where Self.equal(encoded[index], bytes) {
            return headers[index]
        }
        let header = try decode(bytes)
        if encoded.count < Self.capacity {
            encoded.append(Array(bytes))
            headers.append(header)
        } else {
            encoded[next] = Array(bytes)
            headers[next] = header
            next = (next + 1) % Self.capacity
        }
        return header
    }

    /// How many headers are remembered.
    public var count: Int { encoded.count }

    private static func equal(_ known: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard known.count == bytes.count else { return false }
        return known.withUnsafeBufferPointer { known in
            guard let a = known.baseAddress, let b = bytes.baseAddress else { return true }
            return memcmp(a, b, known.count) == 0
        }
    }
}

@available(*, unavailable, message: "a JOSEHeaderMemo belongs to one event loop")
extension JOSEHeaderMemo: Sendable {}
