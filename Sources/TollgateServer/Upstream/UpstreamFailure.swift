/// Why an upstream exchange failed, mapped by the proxy to 502, 503 or 504.
enum UpstreamFailure: Error, Sendable, CustomStringConvertible {
    /// The target refused the connection, or connecting failed.
    case connectFailed(target: String, reason: String)
    /// The connection closed or was reset before the response was complete.
    case connectionLost(target: String)
    /// No response head within the upstream's `timeout`.
    case responseTimeout(target: String)
    /// Every connection to the upstream is busy and none freed up within `connect_timeout`.
    case poolExhausted(upstream: String)
    /// The upstream answered something that is not HTTP/1.1 (`reason` says what).
    case malformedResponse(target: String, reason: String)
    /// The TLS handshake with an `https://` target failed: its certificate did
    /// not verify (expired, untrusted, another name), it refused ours, or it stalled.
    case tlsFailed(target: String, reason: String)

    var description: String {
        switch self {
        case .connectFailed(let target, let reason): "upstream \(target) could not be reached: \(reason)"
        case .connectionLost(let target): "upstream \(target) closed the connection before the response was complete"
        case .responseTimeout(let target): "upstream \(target) sent no response head in time"
        case .poolExhausted(let upstream): "no connection to upstream '\(upstream)' became available in time"
        case .malformedResponse(let target, let reason): "upstream \(target) sent a malformed response: \(reason)"
        case .tlsFailed(let target, let reason): "TLS with upstream \(target) failed: \(reason)"
        }
    }
}
