import NIOCore
import Synchronization
import TollgateCore

/// Introspection answers shared by every event loop: results kept until
/// `cache_ttl` has passed or the token's `exp`, whichever is first, bounded
/// by `cache.introspection` entries (the oldest goes first), and the calls in
/// flight, so that concurrent requests with one uncached token share one call,
/// and at most `maxInFlight` calls run at once (counted in `budget`, which a
/// reload hands on to the next config's cache).
/// Keyed by the whole token. A lock guards it; it is only reached for opaque
/// tokens, never on the JWT path.
final class IntrospectionCache: Sendable {
    /// What a request gets: the endpoint's answer, or nil when it could not be had.
    typealias Completion = @Sendable (IntrospectionResult?) -> Void

    /// Whether a lookup was answered at once or joined a call.
    enum Lookup {
        case cached(IntrospectionResult)
        /// The completion will be called; `startCall` says whether this lookup must make the call.
        case pending(startCall: Bool)
        /// `maxInFlight` calls for other tokens are running: none is started, the request is refused for now.
        case shed
    }

    private struct Entry {
        var result: IntrospectionResult
        /// Milliseconds since the epoch after which the entry is not used.
        var deadline: Int64
        var sequence: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Tokens in insertion order with the sequence they were inserted under (stale pairs are skipped).
        var order = CircularBuffer<(token: String, sequence: UInt64)>()
        var nextSequence: UInt64 = 0
        var inFlight: [String: [Completion]] = [:]
    }

    let capacity: Int
    let ttlMilliseconds: Int64
    let maxInFlight: Int
    let budget: IntrospectionCallBudget
    private let state = Mutex(State())

    init(capacity: Int, ttl: Duration, maxInFlight: Int, budget: IntrospectionCallBudget = IntrospectionCallBudget()) {
        self.capacity = max(capacity, 0)
        self.maxInFlight = max(maxInFlight, 1)
        self.budget = budget
        let (seconds, attoseconds) = ttl.components
        ttlMilliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The cached answer, or a place in the call for `token` (started by this lookup when none runs).
    func lookup(_ token: String, nowMilliseconds now: Int64, completion: @escaping Completion) -> Lookup {
        state.withLock { state in
            if let entry = state.entries[token] {
                if now < entry.deadline { return .cached(entry.result) }
                state.entries.removeValue(forKey: token)
            }
            if state.inFlight[token] != nil {
                state.inFlight[token]!.append(completion)
                return .pending(startCall: false)
            }
            guard budget.take(limit: maxInFlight) else { return .shed }
            state.inFlight[token] = [completion]
            return .pending(startCall: true)
        }
    }

    /// Ends the call for `token`: caches a result (until the TTL or its `exp`)
    /// and hands it to every request that waited.
    func finish(_ token: String, result: IntrospectionResult?, nowMilliseconds now: Int64) {
        let waiters = state.withLock { state -> [Completion] in
            if let result { insert(token, result, now: now, into: &state) }
            guard let waiters = state.inFlight.removeValue(forKey: token) else { return [] }
            budget.giveBack()
            return waiters
        }
        for waiter in waiters { waiter(result) }
    }

    var count: Int { state.withLock { $0.entries.count } }

    private func insert(_ token: String, _ result: IntrospectionResult, now: Int64, into state: inout State) {
        var deadline = now + ttlMilliseconds
        if let expiresAt = result.expiresAt {
            deadline = min(deadline, expiresAt.multipliedReportingOverflow(by: 1000).overflow ? .max : expiresAt * 1000)
        }
        guard capacity > 0, deadline > now else { return }
        while state.entries.count >= capacity, let oldest = state.order.popFirst() {
            if state.entries[oldest.token]?.sequence == oldest.sequence {
                state.entries.removeValue(forKey: oldest.token)
            }
        }
        state.nextSequence += 1
        state.entries[token] = Entry(result: result, deadline: deadline, sequence: state.nextSequence)
        state.order.append((token, state.nextSequence))
        if state.order.count > capacity * 2 { compactOrder(&state) }
    }

    /// Drops order records of entries that expired or were replaced, so the queue stays bounded.
    private func compactOrder(_ state: inout State) {
        var live = CircularBuffer<(token: String, sequence: UInt64)>(initialCapacity: state.entries.count)
        for record in state.order where state.entries[record.token]?.sequence == record.sequence {
            live.append(record)
        }
        state.order = live
    }
}
