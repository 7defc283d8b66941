/// Reads the token from `Authorization: Bearer <token>` (RFC 6750 §2.1; the
/// scheme is case-insensitive).
public enum BearerCredential: Sendable, Hashable {
    /// No Authorization header, or one with another scheme.
    case absent
    case token(Substring)
    /// Two Authorization headers, or `Bearer` with nothing after it.
    case invalid(String)

    public init(_ authorization: RequestFacts.Authorization) {
        switch authorization {
        case .absent:
            self = .absent
        case .several:
            self = .invalid("the request has more than one Authorization header")
        case .one(let value):
            let utf8 = value.utf8
            guard utf8.count >= 6,
                  value.prefix(6).lowercased() == "bearer",
                  utf8.count == 6 || value.dropFirst(6).first == " "
            else {
                self = .absent
                return
            }
            var token = value.dropFirst(6)
            while token.first == " " { token.removeFirst() }
            while token.last == " " { token.removeLast() }
            self = token.isEmpty ? .invalid("the bearer token is empty") : .token(token)
        }
    }
}
