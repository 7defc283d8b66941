/// The core's answer when a request may be forwarded: which route and upstream,
/// the request target to send upstream (after `strip_prefix`), and the header
/// edits the server applies.
public struct Admission: Sendable {
    /// Index into the snapshot's routes.
    public var route: Int
    /// Index into the snapshot's upstreams.
    public var upstream: Int
    /// The path and query to send upstream.
    public var upstreamTarget: String
    /// Identity headers set from verified claims (after the client's copies were removed).
    public var identityHeaders: [Rejection.Header]

    public init(route: Int, upstream: Int, upstreamTarget: String, identityHeaders: [Rejection.Header] = []) {
        self.route = route
        self.upstream = upstream
        self.upstreamTarget = upstreamTarget
        self.identityHeaders = identityHeaders
    }
}

/// What the gateway does with one request.
public enum GateDecision: Sendable {
    case forward(Admission)
    case reject(Rejection)
}
