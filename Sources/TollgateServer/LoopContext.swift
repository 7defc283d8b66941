import NIOCore
import NIOHTTP1
import TollgateCore

/// Everything one event loop's requests share: the config snapshot it serves,
/// its token services and its upstream pools, its metrics and access-log
/// buffer. Confined to its loop (reached through `NIOLoopBound`), so the
/// request path reads it without a lock; a reload replaces the snapshot and
/// pools here, loop by loop, and keeps the metrics.
final class LoopContext {
    let eventLoop: EventLoop
    let metrics: LoopMetrics
    /// Nil when `access_log.enabled` is false: then a request costs one nil check here.
    let accessLog: AccessLogBuffer?
    private(set) var snapshot: GatewaySnapshot
    /// Keys and introspection for `snapshot`.
    private(set) var services: TokenServices
    private(set) var pools: [UpstreamPool]
    /// This loop's token cache and keys for `snapshot`.
    private(set) var verification: VerificationState
    /// New `X-Request-Id` values: one stream per loop, seeded once (not per
    /// connection or HTTP/2 stream, which would cost a `getrandom` each).
    var requestIDs = RequestID()
    /// The deadlines of this loop's HTTP/1.1 client connections.
    let connectionSweep: ConnectionSweep<ConnectionTimerHandler>
    /// The token-cache misses of the loop's current pass, verified at its end.
    let verificationBatch: VerificationBatch
    /// The kept-alive responses and complete upstream requests of the loop's current pass, flushed at its end.
    let flushBatch: FlushBatch

    init(eventLoop: EventLoop, services: TokenServices, upstreamTLS: UpstreamTLSContexts, accessLog: AccessLogWriter?) {
        let metrics = LoopMetrics()
        self.eventLoop = eventLoop
        self.metrics = metrics
        self.connectionSweep = ConnectionSweep<ConnectionTimerHandler>(eventLoop: eventLoop)
        self.verificationBatch = VerificationBatch(eventLoop: eventLoop)
        self.flushBatch = FlushBatch(eventLoop: eventLoop)
        self.accessLog = accessLog.map { AccessLogBuffer(writer: $0, eventLoop: eventLoop) }
        self.snapshot = services.snapshot
        self.services = services
        self.pools = Self.makePools(services.snapshot, upstreamTLS, eventLoop, metrics)
        self.verification = VerificationState(snapshot: services.snapshot, keySets: services.keys.current)
    }

    /// Starts serving a new snapshot: new requests use it, new pools and an
    /// empty token cache, filled with the keys its services hold now; the old
    /// pools' idle connections close, their busy ones finish their requests.
    func install(_ newServices: TokenServices, upstreamTLS: UpstreamTLSContexts) {
        let oldPools = pools
        snapshot = newServices.snapshot
        services = newServices
        pools = Self.makePools(newServices.snapshot, upstreamTLS, eventLoop, metrics)
        metrics.retire(verification.cache)
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

    /// Counts a finished exchange and writes its access-log line.
    func observe(_ record: ExchangeRecord, _ request: AccessLogLine.Request) {
        let finished = NIODeadline.now()
        metrics.record(record, method: record.headParsed ? request.head.method : nil, finished: finished)
        guard let accessLog else { return }
        let duration = Int64(finished.uptimeNanoseconds) - Int64(record.started.uptimeNanoseconds)
        let started = WallClock.millisecondsSinceEpoch() - duration / 1_000_000
        accessLog.append { buffer in
            AccessLogLine.write(record, request, durationNanoseconds: duration, epochMilliseconds: started, into: &buffer)
        }
    }

    /// A copy of this loop's metrics for a scrape.
    func metricsSample() -> LoopMetrics.Sample {
        metrics.sample(current: verification.cache)
    }

    private static func makePools(
        _ snapshot: GatewaySnapshot, _ tls: UpstreamTLSContexts, _ eventLoop: EventLoop, _ metrics: LoopMetrics
    ) -> [UpstreamPool] {
        snapshot.config.upstreams.enumerated().map { index, upstream in
            UpstreamPool(config: upstream, tls: tls[upstream: index], eventLoop: eventLoop, metrics: metrics)
        }
    }
}
