import Synchronization

/// The counters that change off the event loops, shared by the whole process:
/// JWKS fetches (a few per issuer and refresh interval) behind a mutex,
/// introspection calls and dropped access-log lines as atomics. None of them
/// is touched on a request's cache-hit path.
final class ProcessMetrics: Sendable {
    /// One `tollgate_jwks_fetches_total` series.
    struct FetchSeries: Hashable, Sendable {
        var issuer: String
        /// `ok` or `error`.
        var result: String
    }

    /// The outcome of one call to the introspection endpoint (`shed`: not
    /// made, because `max_in_flight` calls were running).
    enum IntrospectionOutcome: Int, CaseIterable, Sendable {
        case active
        case inactive
        case error
        case shed

        var label: String {
            switch self {
            case .active: "active"
            case .inactive: "inactive"
            case .error: "error"
            case .shed: "shed"
            }
        }
    }

    private let fetches = Mutex<[FetchSeries: Int]>([:])
    private let introspectionActive = Atomic<Int>(0)
    private let introspectionInactive = Atomic<Int>(0)
    private let introspectionErrors = Atomic<Int>(0)
    private let introspectionShed = Atomic<Int>(0)
    private let droppedLines = Atomic<Int>(0)

    func jwksFetched(issuer: String, succeeded: Bool) {
        let series = FetchSeries(issuer: issuer, result: succeeded ? "ok" : "error")
        fetches.withLock { $0[series, default: 0] += 1 }
    }

    func introspected(_ outcome: IntrospectionOutcome) {
        switch outcome {
        case .active: introspectionActive.add(1, ordering: .relaxed)
        case .inactive: introspectionInactive.add(1, ordering: .relaxed)
        case .error: introspectionErrors.add(1, ordering: .relaxed)
        case .shed: introspectionShed.add(1, ordering: .relaxed)
        }
    }

    func accessLogDropped(lines: Int) {
        droppedLines.add(lines, ordering: .relaxed)
    }

    var jwksFetches: [FetchSeries: Int] { fetches.withLock { $0 } }

    func introspectionCalls(_ outcome: IntrospectionOutcome) -> Int {
        switch outcome {
        case .active: introspectionActive.load(ordering: .relaxed)
        case .inactive: introspectionInactive.load(ordering: .relaxed)
        case .error: introspectionErrors.load(ordering: .relaxed)
        case .shed: introspectionShed.load(ordering: .relaxed)
        }
    }

    var accessLogDroppedLines: Int { droppedLines.load(ordering: .relaxed) }
}
