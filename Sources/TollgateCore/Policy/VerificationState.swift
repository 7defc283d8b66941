/// What one event loop keeps for verifying tokens against one snapshot: its
/// token cache and its view of every issuer's current keys. Owned by the loop
/// (not `Sendable`), so the hit path takes no lock; a new snapshot gets a new,
/// empty state, and new keys are published to each loop's state in turn.
public final class VerificationState {
    public let cache: TokenCache<Principal>
    /// DPoP proof keys this loop has built, by thumbprint (`cache.dpop_keys` of them).
    public let proofKeys: DPoPKeyCache
    /// The JOSE headers this loop has decoded: a cache miss on a known issuer's key skips its header.
    public let headers = JOSEHeaderMemo()
    /// Per issuer index: the current key set, or nil while none has arrived.
    public private(set) var keySets: [JWKSet?]

    public init(snapshot: GatewaySnapshot, keySets: [JWKSet?]) {
        cache = TokenCache(capacity: snapshot.config.cache.tokens)
        proofKeys = DPoPKeyCache(capacity: snapshot.config.cache.dpopKeys)
        self.keySets = keySets
    }

    /// Replaces one issuer's keys (a refresh); cached tokens whose key left are dropped on their next hit.
    public func updateKeys(_ keys: JWKSet, forIssuer index: Int) {
        keySets[index] = keys
    }

    /// The current keys of the issuer that accepted `principal`: by its index,
    /// not its name, so a cache hit hashes no string.
    func keySet(of principal: Principal) -> JWKSet? {
        keySets.indices.contains(principal.issuerIndex) ? keySets[principal.issuerIndex] : nil
    }
}

@available(*, unavailable, message: "a VerificationState belongs to one event loop")
extension VerificationState: Sendable {}
