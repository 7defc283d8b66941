/// Why a set of routes cannot be compiled into a `RouteTable`. Entries are
/// named by their index in the array given to the table; the config layer maps
/// that back to the route's name and source location.
public enum RouteTableError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Two routes with the same host, the same pattern shape and a method in common.
    case conflict(first: Int, second: Int, pattern: String)
    /// A method that is not an RFC 9110 token.
    case invalidMethod(String)
    /// More distinct non-standard methods than a `MethodSet` has bits for.
    case tooManyMethods(limit: Int, rejected: String)
    /// A `strip_prefix` that is not made of the pattern's leading literal segments.
    case stripPrefixNotInPattern(entry: Int, prefix: String, pattern: String)

    public var description: String {
        switch self {
        case .conflict(let first, let second, let pattern):
            "routes \(first + 1) and \(second + 1) have the same host, the same path pattern ('\(pattern)') and a method in common"
        case .invalidMethod(let name):
            "'\(name)' is not an HTTP method name (letters, digits and !#$%&'*+-.^_`|~)"
        case .tooManyMethods(let limit, let rejected):
            "'\(rejected)': routes may name at most \(limit) methods besides GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and PATCH"
        case .stripPrefixNotInPattern(_, let prefix, let pattern):
            "strip_prefix '\(prefix)' must be the whole of one or more leading literal segments of the path pattern '\(pattern)'"
        }
    }
}
