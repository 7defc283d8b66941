import Crypto
import Synchronization

/// `replay: memory`: the process's one replay store, shared by every event
/// loop (a lock, off the token-cache hit path: only requests with a proof
/// take it). Bounded: when full it refuses new proofs until entries expire,
/// never evicting an unexpired `jti` (that would reopen the window for a
/// replay). Entries are keyed by a 128-bit hash of issuer and `jti`, so an
/// entry costs the same whatever the `jti`'s length; expiry is by the clock
/// the caller passes in, in one-second buckets, so purging is amortised O(1).
public final class MemoryReplayStore: ReplayStore {
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var expiries: [ReplayKey: Int64] = [:]
        /// Keys by the second in which they expire.
        var buckets: [Int64: [ReplayKey]] = [:]
        /// No bucket expires before this second.
        var nextExpiry = Int64.max
    }

    public init(capacity: Int) {
        precondition(capacity > 0, "a replay store holds at least one jti")
        self.capacity = capacity
        state = Mutex(State())
    }

    /// How many `jti` values are remembered (expired ones may still count until the next call purges them).
    public var count: Int { state.withLock { $0.expiries.count } }

    public func record(_ check: ReplayCheck, now: Int64, completion: @escaping @Sendable (ReplayVerdict) -> Void) {
        completion(record(check, now: now))
    }

    /// The verdict at once: `.fresh` (now recorded), `.replayed`, or
    /// `.unavailable` when the store is full of unexpired entries.
    public func record(_ check: ReplayCheck, now: Int64) -> ReplayVerdict {
        let key = ReplayKey(issuer: check.issuer, jti: check.jti)
        let capacity = self.capacity
        return state.withLock { state in
            Self.purge(&state, now: now)
            if let expiry = state.expiries[key], expiry > now { return .replayed }
            guard state.expiries.count < capacity else {
                return .unavailable("the DPoP replay store is full (\(capacity) proofs within their max_age); try again shortly")
            }
            let expiry = max(check.expiresAt, now + 1)
            state.expiries[key] = expiry
            state.buckets[expiry, default: []].append(key)
            state.nextExpiry = min(state.nextExpiry, expiry)
            return .fresh
        }
    }

    /// Drops every bucket whose second has come.
    private static func purge(_ state: inout State, now: Int64) {
        guard now >= state.nextExpiry else { return }
        var next = Int64.max
        for second in Array(state.buckets.keys) {
            if second <= now {
                for key in state.buckets.removeValue(forKey: second) ?? [] where state.expiries[key] == second {
                    state.expiries.removeValue(forKey: key)
                }
            } else {
                next = min(next, second)
            }
        }
        state.nextExpiry = next
    }
}

/// 128 bits of SHA-256(issuer, NUL, jti): collisions are out of reach, and the key needs no allocation.
struct ReplayKey: Hashable {
    let high: UInt64
    let low: UInt64

    init(issuer: String, jti: String) {
        var hasher = SHA256()
        hasher.update(data: Array(issuer.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(jti.utf8))
        let digest = Array(hasher.finalize())
        high = digest[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = digest[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
