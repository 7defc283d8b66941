import Logging
import Synchronization
import TollgateCore

/// Keeps one remote issuer's keys current: fetched at start, again every
/// `jwks_refresh` (sooner, with backoff, after a failure), and on demand
/// when a token names an unknown `kid` — at most once per
/// `jwks_refetch_cooldown`. Only one fetch is ever in flight; whoever asks
/// while it runs waits for that one. A failed fetch keeps the last good keys
/// and logs a warning naming the issuer.
final class KeyRefresher: Sendable {
    /// Called once the fetch a caller waits for is over (whatever its outcome),
    /// after its keys, if any, were handed to the event loops.
    typealias Waiter = @Sendable () -> Void

    private struct State {
        /// Waiters of the fetch in flight; nil when none is.
        var waiters: [Waiter]?
        /// When the last unknown-`kid` refetch started.
        var lastOnDemandFetch: ContinuousClock.Instant?
        var periodic: Task<Void, Never>?
        var stopped = false
    }

    let issuerIndex: Int
    private let source: RemoteKeySource
    private let refresh: Duration
    private let cooldown: Duration
    private let store: IssuerKeyStore
    private let client: FetchClient
    private let metrics: ProcessMetrics
    private let logger: Logger
    private let state = Mutex(State())

    /// The longest wait between two attempts after failures.
    static let maxBackoff = Duration.seconds(60)

    init(
        issuerIndex: Int, source: RemoteKeySource, config: IssuerConfig, store: IssuerKeyStore, client: FetchClient,
        metrics: ProcessMetrics, logger: Logger
    ) {
        self.issuerIndex = issuerIndex
        self.source = source
        refresh = config.jwksRefresh
        cooldown = config.jwksRefetchCooldown
        self.store = store
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// Starts fetching now, then periodically, until `stop()`.
    func start() {
        let task = Task { [self] in await runPeriodically() }
        state.withLock { $0.periodic = task }
    }

    func stop() {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            return state.periodic
        }
        task?.cancel()
    }

    /// An unknown `kid`: joins the fetch in flight, or starts one unless the
    /// last unknown-`kid` refetch started less than the cooldown ago. Returns
    /// false (and never calls `waiter`) when there is nothing to wait for.
    func refetchForUnknownKeyID(_ waiter: @escaping Waiter) -> Bool {
        let now = ContinuousClock.now
        let outcome = state.withLock { state -> (wait: Bool, start: Bool) in
            if state.stopped { return (false, false) }
            if state.waiters != nil {
                state.waiters!.append(waiter)
                return (true, false)
            }
            if let last = state.lastOnDemandFetch, now - last < cooldown { return (false, false) }
            state.lastOnDemandFetch = now
            state.waiters = [waiter]
            return (true, true)
        }
        if outcome.start {
            Task { [self] in await fetchAndNotify() }
        }
        return outcome.wait
    }

    private func runPeriodically() async {
        var backoff = Duration.seconds(1)
        while !Task.isCancelled {
            let fetched = await fetchJoiningInFlight()
            let delay: Duration
            if fetched {
                delay = refresh
                backoff = .seconds(1)
            } else {
                delay = min(refresh, backoff)
                backoff = min(backoff * 2, Self.maxBackoff)
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
        }
    }

    /// Starts a fetch, or joins the one in flight; returns whether keys arrived.
    private func fetchJoiningInFlight() async -> Bool {
        let generationBefore = store.keys(ofIssuer: issuerIndex)?.generation
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let start = state.withLock { state -> Bool in
                if state.waiters != nil {
                    state.waiters!.append { continuation.resume() }
                    return false
                }
                state.waiters = [{ continuation.resume() }]
                return true
            }
            if start {
                Task { [self] in await fetchAndNotify() }
            }
        }
        let generationAfter = store.keys(ofIssuer: issuerIndex)?.generation
        return generationAfter != nil && generationAfter != generationBefore
    }

    /// The one fetch in flight: publish what arrived, then release every waiter.
    private func fetchAndNotify() async {
        do {
            let keys = try await source.fetch(with: client)
            for skipped in keys.skipped {
                logger.warning("issuer '\(source.issuerName)': \(skipped)")
            }
            store.publish(keys, forIssuer: issuerIndex)
            metrics.jwksFetched(issuer: source.issuerName, succeeded: true)
        } catch {
            metrics.jwksFetched(issuer: source.issuerName, succeeded: false)
            let consequence = store.keys(ofIssuer: issuerIndex) == nil
                ? "it has no keys yet, so its tokens are answered 503"
                : "keeping its last good keys"
            logger.warning("issuer '\(source.issuerName)': cannot fetch keys: \(error); \(consequence)")
        }
        let waiters = state.withLock { state -> [Waiter] in
            let waiters = state.waiters ?? []
            state.waiters = nil
            return waiters
        }
        for waiter in waiters { waiter() }
    }
}
