import Synchronization
import Testing
import TollgateCore

@Suite("DPoP: memory replay store")
struct MemoryReplayStoreTests {
    static func check(_ jti: String, issuer: String = "eu", expiresAt: Int64 = 1_090) -> ReplayCheck {
        ReplayCheck(issuerIndex: 0, issuer: issuer, jti: jti, expiresAt: expiresAt, proof: "p")
    }

    @Test("a jti is fresh once, then replayed until it expires; issuers are separate")
    func replay() {
        let store = MemoryReplayStore(capacity: 10)
        #expect(store.record(Self.check("a"), now: 1_000) == .fresh)
        #expect(store.record(Self.check("a"), now: 1_000) == .replayed)
        #expect(store.record(Self.check("a"), now: 1_089) == .replayed)
        #expect(store.record(Self.check("a", issuer: "us"), now: 1_000) == .fresh)
        // After its expiry the proof is refused by its iat anyway; the entry is gone.
        #expect(store.record(Self.check("a"), now: 1_090) == .fresh)
    }

    @Test("full: new proofs fail closed, no unexpired jti is evicted; expiry makes room again")
    func failsClosedWhenFull() {
        let store = MemoryReplayStore(capacity: 2)
        #expect(store.record(Self.check("a", expiresAt: 1_010), now: 1_000) == .fresh)
        #expect(store.record(Self.check("b", expiresAt: 1_020), now: 1_000) == .fresh)
        guard case .unavailable(let reason) = store.record(Self.check("c"), now: 1_005) else {
            Issue.record("expected the full store to refuse")
            return
        }
        #expect(reason.contains("full"))
        #expect(store.record(Self.check("a", expiresAt: 1_010), now: 1_005) == .replayed)
        #expect(store.record(Self.check("b", expiresAt: 1_020), now: 1_005) == .replayed)
        #expect(store.record(Self.check("c"), now: 1_010) == .fresh)
        #expect(store.count == 2)
        #expect(store.record(Self.check("b", expiresAt: 1_020), now: 1_019) == .replayed)
    }

    @Test("an expiry in the past is kept for at least a second")
    func pastExpiry() {
        let store = MemoryReplayStore(capacity: 4)
        #expect(store.record(Self.check("a", expiresAt: 10), now: 1_000) == .fresh)
        #expect(store.record(Self.check("a", expiresAt: 10), now: 1_000) == .replayed)
    }

    @Test("many loops recording the same jti at once: exactly one is fresh")
    func concurrentRecording() async {
        let store = MemoryReplayStore(capacity: 100_000)
        let verdicts = await withTaskGroup(of: ReplayVerdict.self) { group in
            for _ in 0..<64 {
                group.addTask { store.record(Self.check("same"), now: 1_000) }
            }
            return await group.reduce(into: [ReplayVerdict]()) { $0.append($1) }
        }
        #expect(verdicts.filter { $0 == .fresh }.count == 1)
        #expect(verdicts.filter { $0 == .replayed }.count == 63)
    }

    @Test("the asynchronous interface answers with the same verdicts")
    func completionInterface() {
        let store = MemoryReplayStore(capacity: 4)
        let first = Box()
        store.record(Self.check("x"), now: 1_000) { first.set($0) }
        store.record(Self.check("x"), now: 1_000) { first.set($0) }
        #expect(first.values == [.fresh, .replayed])
    }
}

/// Collects the verdicts a store delivers.
private final class Box: Sendable {
    private let verdicts = Mutex<[ReplayVerdict]>([])
    func set(_ verdict: ReplayVerdict) { verdicts.withLock { $0.append(verdict) } }
    var values: [ReplayVerdict] { verdicts.withLock { $0 } }
}
