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

    init(eventLoop: EventLoop, snapshot: GatewaySnapshot) {
        self.eventLoop = eventLoop
        self.snapshot = snapshot
        self.pools = Self.makePools(snapshot, eventLoop)
    }

    /// Starts serving a new snapshot: new requests use it and new pools; the
    /// old pools' idle connections close, their busy ones finish their requests.
    func install(_ newSnapshot: GatewaySnapshot) {
        let oldPools = pools
        snapshot = newSnapshot
        pools = Self.makePools(newSnapshot, eventLoop)
        for pool in oldPools { pool.closeIdle() }
    }

    func closeIdleConnections() {
        for pool in pools { pool.closeIdle() }
    }

    private static func makePools(_ snapshot: GatewaySnapshot, _ eventLoop: EventLoop) -> [UpstreamPool] {
        snapshot.config.upstreams.map { UpstreamPool(config: $0, eventLoop: eventLoop) }
    }
}
