import Foundation
import Synchronization
import Testing
import TollgateCore
@testable import TollgateServer

/// `max_in_flight` as `IntrospectionCache` counts it: one count for the
/// process (every event loop looks up in the same cache), a place taken by
/// the lookup that starts a call and given back only by that call's
/// `finish`, never by time passing.
@Suite("Introspection calls in flight")
struct IntrospectionCacheTests {
    static let now: Int64 = 1_800_000_000_000

    static func active() throws -> IntrospectionResult {
        try IntrospectionResult(parsing: Array(#"{"active":true,"scope":"read"}"#.utf8))
    }

    /// What the requests waiting on calls were handed, in order.
    final class Answers: Sendable {
        private let values = Mutex<[IntrospectionResult?]>([])

        var received: [IntrospectionResult?] { values.withLock { $0 } }

        var completion: IntrospectionCache.Completion {
            { result in self.values.withLock { $0.append(result) } }
        }
    }

    static func startsCall(_ lookup: IntrospectionCache.Lookup) -> Bool {
        if case .pending(startCall: true) = lookup { return true }
        return false
    }

    static func isShed(_ lookup: IntrospectionCache.Lookup) -> Bool {
        if case .shed = lookup { return true }
        return false
    }

    @Test("with one place, a second token is shed until the first call finishes; the same token joins the call")
    func onePlace() throws {
        let cache = IntrospectionCache(capacity: 10, ttl: .seconds(60), maxInFlight: 1)
        let answers = Answers()
        let record = answers.completion

        #expect(Self.startsCall(cache.lookup("a", nowMilliseconds: Self.now, completion: record)))
        #expect(Self.isShed(cache.lookup("c", nowMilliseconds: Self.now, completion: record)))
        guard case .pending(startCall: false) = cache.lookup("a", nowMilliseconds: Self.now, completion: record) else {
            Issue.record("a second request with the same token must join the call")
            return
        }
        // The place is not given back by time: an hour later, the call still holds it.
        #expect(Self.isShed(cache.lookup("c", nowMilliseconds: Self.now + 3_600_000, completion: record)))
        #expect(answers.received.isEmpty)

        cache.finish("a", result: try Self.active(), nowMilliseconds: Self.now)
        #expect(answers.received.count == 2)
        #expect(Self.startsCall(cache.lookup("c", nowMilliseconds: Self.now, completion: record)))
        guard case .cached = cache.lookup("a", nowMilliseconds: Self.now, completion: record) else {
            Issue.record("the finished call's answer must be cached")
            return
        }
    }

    @Test("a failed call gives its place back and caches nothing")
    func failedCallFreesThePlace() throws {
        let cache = IntrospectionCache(capacity: 10, ttl: .seconds(60), maxInFlight: 1)
        let answers = Answers()
        let record = answers.completion
        #expect(Self.startsCall(cache.lookup("a", nowMilliseconds: Self.now, completion: record)))
        cache.finish("a", result: nil, nowMilliseconds: Self.now)
        #expect(answers.received.count == 1)
        #expect(answers.received.first.map { $0 == nil } == true)
        #expect(cache.count == 0)
        #expect(Self.startsCall(cache.lookup("b", nowMilliseconds: Self.now, completion: record)))
    }

    @Test("lookups from many threads at once start exactly max_in_flight calls; the rest are shed", arguments: [1, 3])
    func sharedAcrossThreads(maxInFlight: Int) {
        let cache = IntrospectionCache(capacity: 1000, ttl: .seconds(60), maxInFlight: maxInFlight)
        let started = Atomic<Int>(0)
        let shed = Atomic<Int>(0)
        // Eight threads, as eight event loops would, each with tokens of its own.
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<200 {
                let lookup = cache.lookup("token-\(thread)-\(index)", nowMilliseconds: Self.now) { _ in }
                if Self.startsCall(lookup) { started.add(1, ordering: .relaxed) }
                if Self.isShed(lookup) { shed.add(1, ordering: .relaxed) }
            }
        }
        #expect(started.load(ordering: .relaxed) == maxInFlight)
        #expect(shed.load(ordering: .relaxed) == 8 * 200 - maxInFlight)
    }
}

/// `max_in_flight` across a reload: the new config's cache shares the
/// replaced one's `IntrospectionCallBudget`, so calls that still run count.
@Suite("Introspection calls in flight across a reload")
struct IntrospectionCallBudgetTests {
    @Test("the replaced cache's running call holds its place in the new cache's max_in_flight until it finishes")
    func sharedAcrossReload() throws {
        let budget = IntrospectionCallBudget()
        let old = IntrospectionCache(capacity: 10, ttl: .seconds(60), maxInFlight: 1, budget: budget)
        let new = IntrospectionCache(capacity: 10, ttl: .seconds(60), maxInFlight: 1, budget: budget)
        let answers = IntrospectionCacheTests.Answers()
        #expect(IntrospectionCacheTests.startsCall(old.lookup("a", nowMilliseconds: IntrospectionCacheTests.now, completion: answers.completion)))
        #expect(IntrospectionCacheTests.isShed(new.lookup("b", nowMilliseconds: IntrospectionCacheTests.now, completion: answers.completion)))
        #expect(budget.count == 1)

        old.finish("a", result: try IntrospectionCacheTests.active(), nowMilliseconds: IntrospectionCacheTests.now)
        #expect(budget.count == 0)
        #expect(IntrospectionCacheTests.startsCall(new.lookup("b", nowMilliseconds: IntrospectionCacheTests.now, completion: answers.completion)))
        #expect(budget.count == 1)
    }

    @Test("a finish without a call (twice, or for a token never looked up) gives back no place")
    func finishWithoutCall() {
        let budget = IntrospectionCallBudget()
        let cache = IntrospectionCache(capacity: 10, ttl: .seconds(60), maxInFlight: 2, budget: budget)
        let answers = IntrospectionCacheTests.Answers()
        #expect(IntrospectionCacheTests.startsCall(cache.lookup("a", nowMilliseconds: IntrospectionCacheTests.now, completion: answers.completion)))
        cache.finish("a", result: nil, nowMilliseconds: IntrospectionCacheTests.now)
        cache.finish("a", result: nil, nowMilliseconds: IntrospectionCacheTests.now)
        cache.finish("never", result: nil, nowMilliseconds: IntrospectionCacheTests.now)
        #expect(budget.count == 0)
        #expect(budget.take(limit: 2) && budget.take(limit: 2))
        #expect(!budget.take(limit: 2))
    }
}
