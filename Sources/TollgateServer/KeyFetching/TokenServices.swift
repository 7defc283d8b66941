import Foundation
import Logging
import TollgateCore

/// What one snapshot's token checks need from outside the core: its issuers'
/// current keys (files read at once, remote ones fetched and refreshed) and
/// the introspection client. Made when a snapshot is started or reloaded,
/// started once the loops serve the snapshot, stopped when it is replaced.
final class TokenServices: Sendable {
    let snapshot: GatewaySnapshot
    let keys: IssuerKeyStore
    /// Per issuer index: the refresher of a remote issuer, else nil.
    private let refreshers: [KeyRefresher?]
    let introspector: Introspector?
    /// Per issuer index: its shared replay store when `dpop.replay` is remote, else nil.
    private let replayStores: [(any ReplayStore)?]

    /// Reads the key files, and takes over `previous`'s keys for every remote
    /// issuer whose name, key source and `ca_file` are unchanged, so a reload
    /// does not answer 503 while they are fetched again; and `previous`'s
    /// count of introspection calls in flight, which its calls still hold.
    init(snapshot: GatewaySnapshot, client: FetchClient, metrics: ProcessMetrics, logger: Logger, previous: TokenServices? = nil,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.snapshot = snapshot
        var initial = try KeyFiles.load(snapshot)
        if let previous {
            for (index, issuer) in snapshot.issuers.enumerated() where issuer.hasRemoteKeys && initial[index] == nil {
                initial[index] = previous.keys(matching: issuer)
            }
        }
        let store = IssuerKeyStore(snapshot: snapshot, initial: initial)
        keys = store
        refreshers = snapshot.issuers.enumerated().map { index, issuer in
            RemoteKeySource(issuer).map {
                KeyRefresher(
                    issuerIndex: index, source: $0, config: issuer.config, store: store, client: client, metrics: metrics, logger: logger
                )
            }
        }
        if let index = snapshot.introspectionIssuer, let config = snapshot.issuers[index].config.introspection {
            introspector = try Introspector(
                issuerIndex: index, issuer: snapshot.issuers[index], config: config,
                cacheCapacity: snapshot.config.cache.introspection,
                budget: previous?.introspector?.budget ?? IntrospectionCallBudget(), environment: environment, client: client,
                metrics: metrics, logger: logger
            )
        } else {
            introspector = nil
        }
        replayStores = snapshot.issuers.map { issuer in
            guard case .redis(let address) = issuer.dpop.policy.replay else { return nil }
            return RedisReplayStore.shared(address, group: client.group, logger: logger, previous: previous?.replayStores ?? [])
        }
    }

    /// Records a proof's `jti` in its issuer's shared replay store; `completion` gets the verdict on any thread.
    func recordProof(_ check: ReplayCheck, now: Int64, completion: @escaping @Sendable (ReplayVerdict) -> Void) {
        guard let store = replayStores[check.issuerIndex] else {
            return completion(.unavailable("the issuer has no shared replay store"))
        }
        store.record(check, now: now, completion: completion)
    }

    /// Starts fetching remote keys (call once the loops serve the snapshot).
    func start() {
        for refresher in refreshers { refresher?.start() }
    }

    func stop() {
        for refresher in refreshers { refresher?.stop() }
    }

    /// An unknown `kid` of issuer `index`: see `KeyRefresher.refetchForUnknownKeyID`.
    func refetchKeys(forIssuer index: Int, _ waiter: @escaping KeyRefresher.Waiter) -> Bool {
        refreshers[index]?.refetchForUnknownKeyID(waiter) ?? false
    }

    /// This snapshot's current keys for an issuer configured exactly like `issuer`.
    private func keys(matching issuer: CompiledIssuer) -> JWKSet? {
        guard let index = snapshot.issuers.firstIndex(where: {
            $0.name == issuer.name && $0.config.keySource?.value == issuer.config.keySource?.value
                && $0.config.caFile?.value == issuer.config.caFile?.value && $0.config.issuer?.value == issuer.config.issuer?.value
        }) else { return nil }
        return keys.keys(ofIssuer: index)
    }
}
