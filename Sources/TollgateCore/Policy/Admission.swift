/// The core's answer when a request may be forwarded: which route and upstream,
/// the request target to send upstream (after `strip_prefix`), and the header
/// edits the server applies on the way up and on the way back.
public struct Admission: Sendable {
    /// Index into the snapshot's routes.
    public var route: Int
    /// Index into the snapshot's upstreams.
    public var upstream: Int
    /// The path and query to send upstream.
    public var upstreamTarget: String
    /// Identity headers set from verified claims (after the client's copies were removed).
    public var identityHeaders: [HeaderField]
    /// CORS headers for the response (an allowed cross-origin request); they
    /// replace any CORS header the upstream set, and go on the gateway's own
    /// errors for this request too.
    public var responseHeaders: [HeaderField]
    /// The verified token, when the request carried one.
    public var principal: Principal?

    public init(
        route: Int,
        upstream: Int,
        upstreamTarget: String,
        identityHeaders: [HeaderField] = [],
        responseHeaders: [HeaderField] = [],
        principal: Principal? = nil
    ) {
        self.route = route
        self.upstream = upstream
        self.upstreamTarget = upstreamTarget
        self.identityHeaders = identityHeaders
        self.responseHeaders = responseHeaders
        self.principal = principal
    }
}

/// What the gateway does with one request.
public enum GateDecision: Sendable {
    case forward(Admission)
    case reject(Rejection)
    /// The gateway answers by itself with an empty body (a CORS preflight: 204).
    case answer(status: Int, headers: [HeaderField])
}
