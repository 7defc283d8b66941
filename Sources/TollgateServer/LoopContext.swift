import NIOCore
import TollgateCore

/// Everything one event loop's requests share: the config snapshot it serves
/// and its upstream pools. Confined to its loop (reached through
/// `NIOLoopBound`), so the request path reads it without a lock; a reload
/// replaces the snapshot and pools here, loop by loop.
final class LoopContext {
    let eventLoop: EventLoop
    private(set) var snapshot: GatewaySnapshot
    private(set) var pools: [UpstreamPool]
    /// This loop's token cache and keys for `snapshot`.
    private(set) var verification: VerificationState

    init(eventLoop: EventLoop, snapshot: GatewaySnapshot, keySets: [JWKSet?]) {
        self.eventLoop = eventLoop
        self.snapshot = snapshot
        self.pools = Self.makePools(snapshot, eventLoop)
        self.verification = VerificationState(snapshot: snapshot, keySets: keySets)
    }

    /// Starts serving a new snapshot: new requests use it, new pools and an
    /// empty token cache; the old pools' idle connections close, their busy
    /// ones finish their requests.
    func install(_ newSnapshot: GatewaySnapshot, keySets: [JWKSet?]) {
        let oldPools = pools
        snapshot = newSnapshot
        pools = Self.makePools(newSnapshot, eventLoop)
        verification = VerificationState(snapshot: newSnapshot, keySets: keySets)
        for pool in oldPools { pool.closeIdle() }
    }

    func closeIdleConnections() {
        for pool in pools { pool.closeIdle() }
    }

    private static func makePools(_ snapshot: GatewaySnapshot, _ eventLoop: EventLoop) -> [UpstreamPool] {
        snapshot.config.upstreams.map { UpstreamPool(config: $0, eventLoop: eventLoop) }
    }
}
