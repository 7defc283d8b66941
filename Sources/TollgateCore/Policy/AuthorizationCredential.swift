/// Reads the access token from `Authorization: Bearer <token>` (RFC 6750
/// §2.1) or `Authorization: DPoP <token>` (RFC 9449 §7.1); the scheme is
/// case-insensitive.
public enum AuthorizationCredential: Sendable, Hashable {
    /// No Authorization header, or one with another scheme.
    case absent
    case bearer(Substring)
    /// A token presented with the DPoP scheme: it needs a `DPoP` proof header.
    case dpop(Substring)
    /// Two Authorization headers, or a scheme with nothing after it.
    case invalid(String)

    public init(_ authorization: RequestFacts.Authorization) {
        switch authorization {
        case .absent:
            self = .absent
        case .several:
            self = .invalid("the request has more than one Authorization header")
        case .one(let value):
            if let token = Self.token(after: "bearer", in: value) {
                self = token.isEmpty ? .invalid("the bearer token is empty") : .bearer(token)
            } else if let token = Self.token(after: "dpop", in: value) {
                self = token.isEmpty ? .invalid("the DPoP access token is empty") : .dpop(token)
            } else {
                self = .absent
            }
        }
    }

    /// The token, when the credential has one.
    public var token: Substring? {
        switch self {
        case .bearer(let token), .dpop(let token): token
        case .absent, .invalid: nil
        }
    }

    /// The text after `scheme` (lower-case ASCII, compared without case) and
    /// spaces, trimmed; nil when `value` is another scheme. Byte-wise, no copy.
    private static func token(after scheme: StaticString, in value: String) -> Substring? {
        let utf8 = value.utf8
        let count = scheme.utf8CodeUnitCount
        guard utf8.count >= count else { return nil }
        var index = utf8.startIndex
        for position in 0..<count {
            guard utf8[index] | 0x20 == scheme.utf8Start[position] else { return nil }
            index = utf8.index(after: index)
        }
        guard index == utf8.endIndex || utf8[index] == UInt8(ascii: " ") else { return nil }
        // Trimmed by bytes: `Character`-wise, a space followed by a combining mark is one grapheme and stays.
        var start = index
        var end = utf8.endIndex
        while start < end, utf8[start] == UInt8(ascii: " ") { start = utf8.index(after: start) }
        while end > start, utf8[utf8.index(before: end)] == UInt8(ascii: " ") { end = utf8.index(before: end) }
        return value[start..<end]
    }
}
