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

    private var entries: [(encoded: [UInt8], header: JOSEHeader)] = []
    private var next = 0
    /// The arrays the loop's last token was decoded and scanned into, lent to
    /// the next token: once the last token's `JWT` is gone the memo owns them
    /// alone, so refilling them allocates nothing; were a `JWT` kept,
    /// copy-on-write gives the next token arrays of its own. Allocating and
    /// freeing the two (the byte array's through a generic-metadata lookup)
    /// was about 1,000 instructions a token (callgrind, RS256, session 10).
    private var spareDecoded: [UInt8] = []
    private var spareMembers: [JSONCursor.MemberPosition] = []

    public init() {}

    /// A byte array of `count` bytes for the next token's decoded bytes: the
    /// last token's, cut or zero-filled to size (a token of the same size
    /// writes no byte twice).
    func takeDecodeBuffer(count: Int) -> [UInt8] {
        var buffer = spareDecoded
        spareDecoded = []
        if buffer.count > count {
            buffer.removeLast(buffer.count - count)
        } else if buffer.count < count {
            buffer.append(contentsOf: repeatElement(0, count: count - buffer.count))
        }
        return buffer
    }

    /// Keeps `buffer`, which a token's `CompactJWS` now holds, for the token after it.
    func keepDecodeBuffer(_ buffer: [UInt8]) {
        spareDecoded = buffer
    }

    /// An empty array with the capacity of the last token's member positions.
    func takeMemberBuffer() -> [JSONCursor.MemberPosition] {
        var buffer = spareMembers
        spareMembers = []
        buffer.removeAll(keepingCapacity: true)
        return buffer
    }

    /// Keeps `buffer`, which a token's claims now hold, for the token after it.
    func keepMemberBuffer(_ buffer: [JSONCursor.MemberPosition]) {
        spareMembers = buffer
    }

    /// The header whose base64url encoding is `bytes`: remembered, or decoded by `decode` and then remembered.
    func header(
        encodedAs bytes: UnsafeBufferPointer<UInt8>,
        decode: (UnsafeBufferPointer<UInt8>) throws(TokenError) -> JOSEHeader
    ) throws(TokenError) -> JOSEHeader {
        for entry in entries where entry.encoded.withUnsafeBufferPointer({ JSONCursor.sameBytes($0, bytes) }) {
            return entry.header
        }
        let header = try decode(bytes)
        if entries.count < Self.capacity {
            entries.append((Array(bytes), header))
        } else {
            entries[next] = (Array(bytes), header)
            next = (next + 1) % Self.capacity
        }
        return header
    }

    /// How many headers are remembered.
    public var count: Int { entries.count }
}

@available(*, unavailable, message: "a JOSEHeaderMemo belongs to one event loop")
extension JOSEHeaderMemo: Sendable {}
