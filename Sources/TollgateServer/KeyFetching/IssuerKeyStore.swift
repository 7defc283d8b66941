import Synchronization
import TollgateCore

/// The current key set of every issuer of one snapshot, as the fetchers and
/// key files last delivered them: the source each event loop's
/// `VerificationState` is filled from when the snapshot is installed, and
/// the owner of `publish`, which swaps one issuer's set here and hands it to
/// every loop. Sets are immutable values, replaced whole.
final class IssuerKeyStore: Sendable {
    /// Hands a new key set of an issuer (by index) to every event loop.
    typealias Publisher = @Sendable (_ keys: JWKSet, _ issuer: Int) -> Void

    private let sets: Mutex<[JWKSet?]>
    private let publisher: Mutex<Publisher?>
    /// Indices of the JWT issuers, whose keys readiness waits for.
    private let jwtIssuers: [Int]

    init(snapshot: GatewaySnapshot, initial: [JWKSet?]) {
        sets = Mutex(initial)
        publisher = Mutex(nil)
        jwtIssuers = snapshot.issuers.indices.filter { snapshot.issuers[$0].verifier != nil }
    }

    /// Every issuer's current set (nil: none yet).
    var current: [JWKSet?] { sets.withLock { $0 } }

    func keys(ofIssuer index: Int) -> JWKSet? {
        sets.withLock { $0[index] }
    }

    /// Whether every JWT issuer has keys (`/readyz`).
    var everyJWTIssuerHasKeys: Bool {
        sets.withLock { sets in jwtIssuers.allSatisfy { sets[$0] != nil } }
    }

    /// Where new sets go once the snapshot is served (set by the server).
    func setPublisher(_ publish: @escaping Publisher) {
        publisher.withLock { $0 = publish }
    }

    /// Makes `keys` the issuer's current set, here and then on every loop.
    /// The store is updated first, so a loop that installs this snapshot
    /// after this call reads the new set, and one that installed it before
    /// gets it from the publisher.
    func publish(_ keys: JWKSet, forIssuer index: Int) {
        sets.withLock { $0[index] = keys }
        let publish = publisher.withLock { $0 }
        publish?(keys, index)
    }
}
