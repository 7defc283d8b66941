import Synchronization

/// Whether the gateway is ready for traffic (`/readyz`): its listeners are
/// bound and every JWT issuer of the snapshot it serves holds keys
/// (introspection issuers count as ready).
final class Readiness: Sendable {
    private let listening = Atomic<Bool>(false)
    private let keys = Mutex<IssuerKeyStore?>(nil)

    var isReady: Bool {
        guard listening.load(ordering: .acquiring) else { return false }
        return keys.withLock { $0 }?.everyJWTIssuerHasKeys ?? true
    }

    func markListening() {
        listening.store(true, ordering: .releasing)
    }

    /// The key store of the snapshot now served.
    func track(_ store: IssuerKeyStore) {
        keys.withLock { $0 = store }
    }
}
