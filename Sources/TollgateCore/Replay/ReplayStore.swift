/// Remembers the `jti` of every DPoP proof accepted within its window, so a
/// captured proof cannot be replayed (RFC 9449 §11.1). One store serves the
/// whole process (a replay must fail on any event loop), or a whole fleet
/// (Redis). A store that cannot answer says why, and the request fails closed.
public protocol ReplayStore: Sendable {
    /// Records `check.jti` unless it is already remembered; `completion` gets
    /// the verdict, possibly before this returns, on any thread.
    func record(_ check: ReplayCheck, now: Int64, completion: @escaping @Sendable (ReplayVerdict) -> Void)
}

/// One proof to record: whose (issuer), which `jti`, until when it must be
/// remembered, and the proof text, so that the decision made again with the
/// verdict applies it to the same proof.
public struct ReplayCheck: Sendable {
    /// Index into the snapshot's issuers (which store to ask).
    public let issuerIndex: Int
    /// The issuer's configured name: a `jti` is unique per issuer's clients, and the name survives reloads.
    public let issuer: String
    public let jti: String
    /// Seconds since the epoch after which the proof is refused anyway (`iat` + `max_age` + leeway).
    public let expiresAt: Int64
    public let proof: String
    /// What the decision that asked for this check had been resumed with (an
    /// introspection answer), so that deciding again does not ask for it again.
    let earlier: GateResumption?
    /// How the first decision found the token: deciding again after the
    /// store's answer finds it cached by that first decision, which must not
    /// count (or log) a miss as a hit.
    let cacheUse: TokenCheck.CacheUse

    public init(issuerIndex: Int, issuer: String, jti: String, expiresAt: Int64, proof: String) {
        self.init(issuerIndex: issuerIndex, issuer: issuer, jti: jti, expiresAt: expiresAt, proof: proof, earlier: nil, cacheUse: .miss)
    }

    init(
        issuerIndex: Int, issuer: String, jti: String, expiresAt: Int64, proof: String,
        earlier: GateResumption?, cacheUse: TokenCheck.CacheUse
    ) {
        self.issuerIndex = issuerIndex
        self.issuer = issuer
        self.jti = jti
        self.expiresAt = expiresAt
        self.proof = proof
        self.earlier = earlier
        self.cacheUse = cacheUse
    }

    /// How long, from `now`, the `jti` must be remembered (at least one second).
    public func remainingSeconds(now: Int64) -> Int64 {
        max(1, expiresAt - now)
    }
}

/// What a replay store answered.
public enum ReplayVerdict: Sendable, Hashable {
    /// Not seen before; now recorded.
    case fresh
    /// Seen before within its window.
    case replayed
    /// The store could not answer (full, unreachable, timed out); the text names the cause.
    case unavailable(String)
}
