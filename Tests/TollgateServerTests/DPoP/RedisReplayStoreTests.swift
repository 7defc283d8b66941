import Foundation
import Logging
import NIOPosix
import Testing
import TollgateCore
@testable import TollgateServer

/// The Redis replay store against a real `redis-server`: SET NX PX semantics,
/// fail closed when Redis is down, and two gateways sharing one Redis.
/// Three minutes each: alone a test takes 0.1–19 s, but with the whole suite
/// and builds on this 2-core machine one took 68 s and another ran past a
/// one-minute limit (the blocking PING polls of `TestRedis.start` share the
/// two cooperative threads with every other test).
@Suite("DPoP replay store on a real Redis", .serialized, .timeLimit(.minutes(3)), .enabled(if: TestRedis.isInstalled, "redis-server is not installed"))
struct RedisReplayStoreTests {
    static let logger = Logger(label: "test.redis")

    static func check(_ jti: String, issuer: String = "as", expiresAt: Int64) -> ReplayCheck {
        ReplayCheck(issuerIndex: 0, issuer: issuer, jti: jti, expiresAt: expiresAt, proof: "p")
    }

    static func verdict(_ store: RedisReplayStore, _ check: ReplayCheck, now: Int64) async -> ReplayVerdict {
        await withCheckedContinuation { continuation in
            store.record(check, now: now) { continuation.resume(returning: $0) }
        }
    }

    static func address(_ port: Int, database: Int = 0) -> RedisAddress {
        RedisAddress(address: HostPort(host: "127.0.0.1", port: port), database: database)
    }

    @Test("fresh once, then replayed; per issuer; the key expires when the proof would (PX); databases are separate")
    func setNXPX() async throws {
        let redis = try TestRedis.start()
        defer { redis.stop() }
        let store = RedisReplayStore(address: Self.address(redis.port), group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)
        defer { store.close() }
        // The proof expires an hour after `now`: Redis must keep its jti that long (PX), give or take
        // the seconds a loaded machine takes between the SET and the PTTL below.
        #expect(await Self.verdict(store, Self.check("a", expiresAt: 4_600), now: 1_000) == .fresh)
        #expect(await Self.verdict(store, Self.check("a", expiresAt: 4_600), now: 1_001) == .replayed)
        #expect(await Self.verdict(store, Self.check("a", issuer: "us", expiresAt: 4_600), now: 1_001) == .fresh)
        let ttl = try redis.command("PTTL tollgate:dpop:as:a")
        let milliseconds = try #require(Int(ttl.dropFirst()))
        #expect(milliseconds > 3_000_000 && milliseconds <= 3_600_000)
        let other = RedisReplayStore(address: Self.address(redis.port, database: 3), group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)
        defer { other.close() }
        #expect(await Self.verdict(other, Self.check("a", expiresAt: 1_090), now: 1_000) == .fresh)
    }

    @Test("many proofs at once are pipelined on one connection, each with its own verdict")
    func pipelined() async throws {
        let redis = try TestRedis.start()
        defer { redis.stop() }
        let store = RedisReplayStore(address: Self.address(redis.port), group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)
        defer { store.close() }
        let verdicts = await withTaskGroup(of: ReplayVerdict.self) { group in
            for index in 0..<200 {
                group.addTask { await Self.verdict(store, Self.check("j\(index % 100)", expiresAt: 2_000), now: 1_000) }
            }
            return await group.reduce(into: [ReplayVerdict]()) { $0.append($1) }
        }
        #expect(verdicts.filter { $0 == .fresh }.count == 100)
        #expect(verdicts.filter { $0 == .replayed }.count == 100)
    }

    @Test("Redis down: unavailable, naming the cause; it recovers when Redis is back")
    func failsClosed() async throws {
        let port = try TestRedis.freePort()
        let store = RedisReplayStore(address: Self.address(port), group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)
        defer { store.close() }
        guard case .unavailable(let reason) = await Self.verdict(store, Self.check("a", expiresAt: 1_090), now: 1_000) else {
            Issue.record("expected unavailable")
            return
        }
        #expect(reason.contains("redis://127.0.0.1:\(port)/0 is unreachable"))

        let redis = try TestRedis.start()
        defer { redis.stop() }
        let live = RedisReplayStore(address: Self.address(redis.port), group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)
        defer { live.close() }
        #expect(await Self.verdict(live, Self.check("b", expiresAt: 1_090), now: 1_000) == .fresh)
        redis.stop()
        guard case .unavailable(let lost) = await Self.verdict(live, Self.check("c", expiresAt: 1_090), now: 1_000) else {
            Issue.record("expected unavailable after Redis stopped")
            return
        }
        #expect(lost.contains("redis://127.0.0.1:\(redis.port)/0"))
    }

    static let client = try! SigningKey.generate(.ec(.p256))

    static func gateway(redis: String) async throws -> GatewayFixture {
        let issuer = TestIssuer.shared
        let sections = "issuers:\n\(issuer.yaml)\n    dpop:\n      replay: \(redis)\n"
        let routes = "  - path: /api/orders\n    upstream: app\n"
        return try await GatewayFixture.start(routes: routes, sections: sections)
    }

    static func request(_ port: Int, token: String, proof: String) throws -> RawResponse {
        try RawHTTPConnection.exchange(port: port, "GET /api/orders HTTP/1.1\r\nHost: api.test\r\nAuthorization: DPoP \(token)\r\nDPoP: \(proof)\r\n\r\n")
    }

    static func boundToken() throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        return try TestIssuer.shared.key.jwt(claims: DevelopmentToken.claims(
            issuer: TestIssuer.shared.issuer, audience: TestIssuer.shared.audience, subject: "a", scope: "s",
            issuedAt: now - 5, lifetimeSeconds: 600, tokenID: UUID().uuidString,
            confirmation: TokenConfirmation(jwkThumbprint: client.jwkThumbprint)
        ))
    }

    static func proof(_ token: String) throws -> String {
        try client.dpopProof(method: "GET", url: "http://api.test/api/orders", accessToken: token,
                             issuedAt: Int64(Date().timeIntervalSince1970), jti: UUID().uuidString)
    }

    @Test("two gateways sharing one Redis: a proof admitted by one is refused by the other; Redis down is 401, never open")
    func fleetWide() async throws {
        let redis = try TestRedis.start()
        defer { redis.stop() }
        let first = try await Self.gateway(redis: redis.url)
        try await stopping(first, after: { first in
            let second = try await Self.gateway(redis: redis.url)
            try await stopping(second, after: { second in
                let token = try Self.boundToken()
                let proof = try Self.proof(token)
                #expect(try Self.request(first.port, token: token, proof: proof).status == 200)
                let replay = try Self.request(second.port, token: token, proof: proof)
                #expect(replay.status == 401)
                #expect(replay.json["error_description"] as? String == "the DPoP proof has been used before (jti)")
                #expect(second.upstream.received.isEmpty)

                redis.stop()
                let down = try Self.request(second.port, token: token, proof: try Self.proof(token))
                #expect(down.status == 401)
                #expect(down.json["error"] as? String == "invalid_dpop_proof")
                #expect((down.json["error_description"] as? String)?.contains("redis://127.0.0.1:\(redis.port)/0") == true)
                #expect(second.upstream.received.isEmpty)
            }) { await $0.stop() }
        }) { await $0.stop() }
    }
}
