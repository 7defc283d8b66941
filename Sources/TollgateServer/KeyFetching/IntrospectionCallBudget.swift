import Synchronization

/// The introspection calls running in the process, counted across reloads:
/// `max_in_flight` bounds them all, so a reloaded config's cache (which
/// starts empty) does not start counting from zero while the replaced one's
/// calls still run (for up to `Introspector.timeout`).
final class IntrospectionCallBudget: Sendable {
    private let running = Mutex(0)

    /// Takes a place for one call when fewer than `limit` run.
    func take(limit: Int) -> Bool {
        running.withLock { running in
            guard running < limit else { return false }
            running += 1
            return true
        }
    }

    /// Gives back the place of a call that finished.
    func giveBack() {
        running.withLock { $0 -= 1 }
    }

    var count: Int { running.withLock { $0 } }
}
