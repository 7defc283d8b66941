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
    /// What the token check concluded (cache hit or miss), for metrics and the access log.
    public var tokenCheck: TokenCheck

    public init(
        route: Int,
        upstream: Int,
        upstreamTarget: String,
        identityHeaders: [HeaderField] = [],
        responseHeaders: [HeaderField] = [],
        principal: Principal? = nil,
        tokenCheck: TokenCheck = .notChecked
    ) {
        self.route = route
        self.upstream = upstream
        self.upstreamTarget = upstreamTarget
        self.identityHeaders = identityHeaders
        self.responseHeaders = responseHeaders
        self.principal = principal
        self.tokenCheck = tokenCheck
    }
}

/// What the gateway does with one request.
public enum GateDecision: Sendable {
    case forward(Admission)
    case reject(Rejection)
    /// The gateway answers by itself with an empty body (a CORS preflight: 204).
    case answer(status: Int, headers: [HeaderField])
    /// The token names a `kid` its remote issuer's keys lack: the server has
    /// the issuer's keys refetched (at most once per `jwks_refetch_cooldown`),
    /// waits for that refetch at most 2 s, then decides again with `.keysAwaited`.
    case awaitKeys(issuer: Int)
    /// An opaque token: the server asks the introspection issuer (or its cache)
    /// and decides again with `.introspection` or `.introspectionFailed`.
    case introspect(token: String, issuer: Int)
    /// A DPoP proof passed every other check and its issuer's replay store is
    /// remote (Redis): the server records the `jti` there and decides again
    /// with `.replayChecked`.
    case checkReplay(ReplayCheck)
    /// The token is not in the cache, and the caller asked for deferred
    /// verification: the server verifies it together with its event loop's
    /// other cache misses once the loop's current pass over ready connections
    /// is done, deciding again with `.verificationTurn`. Deciding later gives
    /// the same answer as deciding now; only when the crypto runs changes.
    case verifyLater
}

/// What the server brings back when it decides again after carrying out
/// `.awaitKeys` or `.introspect`. With it, the core never asks again.
public enum GateResumption: Sendable {
    /// The refetch the request waited for is over (or the wait was, or none
    /// was allowed): a `kid` still unknown is final.
    case keysAwaited
    /// The introspection endpoint's answer for the request's token.
    case introspection(IntrospectionResult)
    /// The introspection endpoint could not be asked or answered unusably (the reason is logged).
    case introspectionFailed
    /// The replay store's verdict on the proof of a `.checkReplay`.
    indirect case replayChecked(ReplayCheck, ReplayVerdict)
    /// The request's turn in its loop's batch of `.verifyLater` requests: verify now.
    case verificationTurn
}
