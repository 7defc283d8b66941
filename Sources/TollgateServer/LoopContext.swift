import NIOCore
import TollgateCore

/// Everything one event loop's requests share: the config snapshot it serves,
/// its token services and its upstream pools. Confined to its loop (reached
/// through `NIOLoopBound`), so the request path reads it without a lock; a
/// reload replaces the snapshot and pools here, loop by loop.
final class LoopContext {
    let eventLoop: EventLoop
    private(set) var snapshot: GatewaySnapshot
    /// Keys and introspection for `snapshot`.
    private(set) var services: TokenServices
    private(set) var pools: [UpstreamPool]
    /// This loop's token cache and keys for `snapshot`.
    private(set) var verification: VerificationState

    init(eventLoop: EventLoop, services: TokenServices, upstreamTLS: UpstreamTLSContexts) {
        self.eventLoop = eventLoop
        self.snapshot = services.snapshot
        self.services = services
        self.pools = Self.makePools(services.snapshot, upstreamTLS, eventLoop)
        self.verification = VerificationState(snapshot: services.snapshot, keySets: services.keys.current)
    }

    /// Starts serving a new snapshot: new requests use it, new pools and an
    /// empty token cache, filled with the keys its services hold now; the old
    /// pools' idle connections close, their busy ones finish their requests.
    func install(_ newServices: TokenServices, upstreamTLS: UpstreamTLSContexts) {
        let oldPools = pools
        snapshot = newServices.snapshot
        services = newServices
        pools = Self.makePools(newServices.snapshot, upstreamTLS, eventLoop)
        verification = VerificationState(snapshot: newServices.snapshot, keySets: newServices.keys.current)
        for pool in oldPools { pool.closeIdle() }
    }

    /// New keys of one issuer of `forSnapshot`; ignored when this loop already serves another snapshot.
    func updateKeys(_ keys: JWKSet, forIssuer index: Int, of forSnapshot: GatewaySnapshot) {
        guard forSnapshot === snapshot else { return }
        verification.updateKeys(keys, forIssuer: index)
    }

    func closeIdleConnections() {
        for pool in pools { pool.closeIdle() }
    }

    private static func makePools(_ snapshot: GatewaySnapshot, _ tls: UpstreamTLSContexts, _ eventLoop: EventLoop) -> [UpstreamPool] {
        snapshot.config.upstreams.enumerated().map { index, upstream in
            UpstreamPool(config: upstream, tls: tls[upstream: index], eventLoop: eventLoop)
        }
    }
}
