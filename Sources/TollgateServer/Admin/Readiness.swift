import Synchronization

/// Whether the gateway is ready for traffic (`/readyz`): listeners bound and,
/// once remote keys exist, every JWT issuer holding keys.
final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)

    var isReady: Bool { ready.load(ordering: .acquiring) }

    func markReady() {
        ready.store(true, ordering: .releasing)
    }
}
