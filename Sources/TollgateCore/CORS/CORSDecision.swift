/// Why the CORS policy refused a request; the server answers 403 (for a
/// request, `origin_not_allowed`) with no CORS headers, and may log this.
public enum CORSDenial: Sendable, Hashable, CustomStringConvertible {
    /// The `Origin` (as received) is neither allowed nor the request's own origin.
    case originNotAllowed(String)
    /// A preflight's `Access-Control-Request-Method` is not allowed.
    case methodNotAllowed(String)
    /// A header named in a preflight's `Access-Control-Request-Headers` is not allowed.
    case headerNotAllowed(String)

    public var description: String {
        switch self {
        case .originNotAllowed(let origin): "origin '\(origin)' is not allowed"
        case .methodNotAllowed(let method): "method '\(method)' is not allowed for cross-origin requests"
        case .headerNotAllowed(let header): "request header '\(header)' is not allowed for cross-origin requests"
        }
    }
}

/// The answer to a preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`): 204 with exactly these headers, or 403
/// with none.
public enum CORSPreflightDecision: Sendable, Hashable {
    case allowed([HeaderField])
    case denied(CORSDenial)
}

/// The CORS verdict on an actual request that carries `Origin`.
public enum CORSRequestDecision: Sendable, Hashable {
    /// A listed origin: add `headers` to every response, errors included.
    case allowed(CORSResponseHeaders)
    /// The request's own origin (not listed): passes, needs no CORS headers.
    case sameOrigin
    /// Answer 403 `origin_not_allowed` without CORS headers; nothing is forwarded.
    case denied(CORSDenial)
}

/// The headers every response to an allowed cross-origin request carries:
/// `Access-Control-Allow-Origin` echoing the request's `Origin`, then the
/// policy's precomputed fields (`Vary: Origin`, `-Allow-Credentials` and
/// `-Expose-Headers` as configured). Building this allocates nothing: the
/// origin is the request's own string and the fields are shared.
///
/// The server replaces any CORS header an upstream set with these, and merges
/// `Vary: Origin` into an upstream `Vary` rather than dropping the upstream's.
public struct CORSResponseHeaders: Sendable, Hashable {
    public let allowOrigin: String
    public let fields: [HeaderField]

    public init(allowOrigin: String, fields: [HeaderField]) {
        self.allowOrigin = allowOrigin
        self.fields = fields
    }

    /// All of them in order, `Access-Control-Allow-Origin` first.
    public var all: [HeaderField] {
        [HeaderField(name: HeaderField.allowOrigin, value: allowOrigin)] + fields
    }
}
