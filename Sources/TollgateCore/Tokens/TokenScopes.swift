/// A verified token's scope claim in the form the token states it: a
/// space-delimited string (RFC 6749 §3.3, `scope`) is kept whole, so a
/// verification makes one string instead of one per scope plus an array
/// (splitting the benchmark token's six scopes was 8% of an HS256
/// verification's samples, perf, session 10); an array claim (`scp: [...]`)
/// keeps its strings. Split only where the pieces are needed: the granted
/// set (`ScopeUniverse.granted(by:)`, without copying a piece) and `explain`.
public enum TokenScopes: Sendable, Equatable {
    /// A space-delimited claim, as written.
    case delimited(String)
    /// An array claim's non-empty strings, in order.
    case list([String])

    /// No scopes.
    public static let none = TokenScopes.list([])

    /// The non-empty scope strings, in order.
    public var strings: [String] {
        switch self {
        case .delimited(let text): ScopeString.split(text)
        case .list(let scopes): scopes
        }
    }

    /// The scopes joined by single spaces, as a header carries them; `nil` when there are none.
    public var joined: String? {
        let scopes = strings
        return scopes.isEmpty ? nil : scopes.joined(separator: " ")
    }

    /// Calls `body` with each non-empty scope, as a slice of the claim where it is delimited.
    func forEach(_ body: (Substring) -> Void) {
        switch self {
        case .delimited(let text):
            let utf8 = text.utf8
            var start = utf8.startIndex
            var index = start
            while index != utf8.endIndex {
                if utf8[index] == UInt8(ascii: " ") {
                    if index != start { body(text[start..<index]) }
                    start = utf8.index(after: index)
                }
                index = utf8.index(after: index)
            }
            if index != start { body(text[start..<index]) }
        case .list(let scopes):
            for scope in scopes { body(scope[...]) }
        }
    }
}
