/// The outcome of routing one request by host, path and method.
public enum RouteMatch: Sendable, Hashable {
    /// The index of the chosen entry: the most specific route for the host and
    /// path that allows the method.
    case route(Int)
    /// Routes match the host and path but none allows the method: answer 405
    /// with `Allow` listing these methods (`RouteTable.allowHeaderValue(for:)`).
    case methodNotAllowed(MethodSet)
    /// No route matches the host and path: answer 404.
    case notFound
}

/// A lookup's answer: the match, and the route whose CORS policy governs the
/// request whatever its method (for preflights and for 404/405 responses).
public struct RouteLookup: Sendable, Hashable {
    public let match: RouteMatch
    /// The index of the most specific route matching the host and path,
    /// regardless of method; nil exactly when `match` is `.notFound`.
    public let mostSpecific: Int?

    public init(match: RouteMatch, mostSpecific: Int?) {
        self.match = match
        self.mostSpecific = mostSpecific
    }
}
