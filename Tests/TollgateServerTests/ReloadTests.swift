import Foundation
import Synchronization
import Testing

/// SIGHUP reloads through the real binary: the config file is rewritten, the
/// signal sent, and the log line of each reload awaited before asserting.
@Suite("Hot reload on SIGHUP", .serialized)
struct ReloadTests {
    static let issuer = TestIssuer.shared

    @Test("20 reloads alternating two route sets while requests run: none fails, each set takes effect")
    func reloadUnderLoad() async throws {
        try await GatewayFixture.run(routes: Self.routes(extra: "/a")) { fixture in
            let failures = Mutex<[String]>([])
            let served = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            let port = fixture.port
            let clients = (0..<3).map { client in
                Thread.detachNewThreadWithResult {
                    var connection: RawHTTPConnection?
                    while !stop.load(ordering: .relaxed) {
                        do {
                            // Client 0 opens a connection per request; the others keep theirs alive.
                            if connection == nil || client == 0 { connection = try RawHTTPConnection(port: port) }
                            try connection!.send("GET /stable/\(client) HTTP/1.1\r\nHost: a\r\n\r\n")
                            let response = try connection!.readResponse()
                            if response.status != 200 { failures.withLock { $0.append("status \(response.status)") } }
                            served.add(1, ordering: .relaxed)
                        } catch {
                            failures.withLock { $0.append("\(error)") }
                            connection = nil
                        }
                    }
                }
            }
            for round in 1...20 {
                let extra = round.isMultiple(of: 2) ? "/a" : "/b"
                try fixture.gateway.reload(with: TestConfig.yaml(upstreamPort: fixture.upstream.port, routes: Self.routes(extra: extra)), count: round)
                let gone = extra == "/a" ? "/b" : "/a"
                #expect(try RawHTTPConnection.exchange(port: port, "GET \(extra)/x HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
                #expect(try RawHTTPConnection.exchange(port: port, "GET \(gone)/x HTTP/1.1\r\nHost: a\r\n\r\n").status == 404)
            }
            stop.store(true, ordering: .relaxed)
            for client in clients { await client.value }
            #expect(failures.withLock { $0 } == [])
            #expect(served.load(ordering: .relaxed) > 20, "the request stream hardly ran")
        }
    }

    @Test("an invalid config is logged with its position and the old one keeps serving")
    func invalidConfigKeepsOld() async throws {
        try await GatewayFixture.run(routes: Self.routes(extra: "/a")) { fixture in
            let broken = TestConfig.yaml(upstreamPort: fixture.upstream.port, routes: Self.routes(extra: "/a"))
                .replacingOccurrences(of: "drain_timeout: 5s", with: "drain_timeout: soon")
            try fixture.gateway.writeConfig(broken)
            fixture.gateway.signal(SIGHUP)
            try await fixture.gateway.waitForLog("configuration not reloaded")
            let log = fixture.gateway.stderr
            #expect(log.contains("tollgate.yaml:4:"), "the problem is not located:\n\(log)")
            #expect(log.contains("drain_timeout"))
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /a/x HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            #expect(fixture.gateway.process.isRunning)
        }
    }

    @Test("a cached token is refused after a reload removes its audience")
    func cachedTokenRefusedAfterAudienceRemoved() async throws {
        let issuer = Self.issuer
        let section = { (audience: String) in
            """
            issuers:
              - name: \(issuer.name)
                issuer: \(issuer.issuer)
                audiences: [\(audience)]
                jwks_file: \(issuer.jwksPath)
            """
        }
        let routes = """
              - path: /private/**
                upstream: app
            """
        try await GatewayFixture.run(routes: routes, sections: section(issuer.audience)) { fixture in
            let token = try issuer.token(scope: "")
            let request = "GET /private/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n\r\n"
            #expect(try RawHTTPConnection.exchange(port: fixture.port, request).status == 200)
            #expect(try RawHTTPConnection.exchange(port: fixture.port, request).status == 200)
            try fixture.gateway.reload(
                with: TestConfig.yaml(upstreamPort: fixture.upstream.port, routes: routes, sections: section("other.audience")),
                count: 1
            )
            let refused = try RawHTTPConnection.exchange(port: fixture.port, request)
            #expect(refused.status == 401)
            #expect(refused.json["error"] as? String == "invalid_token")
        }
    }

    @Test("a reload adds and removes listeners; workers and admin changes are logged as needing a restart")
    func listenersFollowTheConfig() async throws {
        try await GatewayFixture.run { fixture in
            let port = fixture.port
            let config = TestConfig.yaml(upstreamPort: fixture.upstream.port, server: "  admin: 127.0.0.1:0")
                .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: [127.0.0.1:\(port), 127.0.0.2:0]")
                .replacingOccurrences(of: "workers: 1", with: "workers: 2")
            try fixture.gateway.reload(with: config, count: 1)
            let log = fixture.gateway.stderr
            let added = try #require(log.range(of: "listening on 127.0.0.2:"), "no new listener logged:\n\(log)")
            let newPort = try #require(Int(log[added.upperBound...].prefix { $0.isNumber }))
            #expect(log.contains("server.workers changed"))
            #expect(log.contains("server.admin changed"))
            #expect(try RawHTTPConnection.exchange(host: "127.0.0.2", port: newPort, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            #expect(try RawHTTPConnection.exchange(port: port, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)

            let kept = try RawHTTPConnection(port: port)
            try kept.send("GET /hold?id=kept HTTP/1.1\r\nHost: a\r\n\r\n")
            try await fixture.upstream.waitForHeld("kept")
            let onlySecond = config.replacingOccurrences(of: "listen: [127.0.0.1:\(port), 127.0.0.2:0]", with: "listen: 127.0.0.2:\(newPort)")
            try fixture.gateway.reload(with: onlySecond, count: 2)
            #expect(fixture.gateway.stderr.contains("stopped listening on 127.0.0.1:\(port)"))
            #expect(throws: (any Error).self) { try RawHTTPConnection(port: port) }
            try await fixture.upstream.release("kept")
            #expect(try kept.readResponse().status == 200, "a request in flight on a removed listener must finish")
            #expect(try RawHTTPConnection.exchange(host: "127.0.0.2", port: newPort, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
        }
    }

    private static func routes(extra: String) -> String {
        """
              - path: /stable/**
                upstream: app
                auth: none
              - path: \(extra)/**
                upstream: app
                auth: none
              - path: /hold
                upstream: app
                auth: none
        """
    }
}

extension GatewayProcess {
    var configURL: URL { directory.appendingPathComponent("tollgate.yaml") }

    /// The config the gateway was last given.
    func configText() throws -> String {
        try String(contentsOf: configURL, encoding: .utf8)
    }

    func writeConfig(_ yaml: String) throws {
        try yaml.write(to: configURL, atomically: true, encoding: .utf8)
    }

    /// Rewrites the config, sends SIGHUP and waits for the `count`-th "configuration reloaded" line.
    func reload(with yaml: String, count: Int, timeout: Duration = .seconds(10)) throws {
        try writeConfig(yaml)
        signal(SIGHUP)
        let deadline = ContinuousClock.now + timeout
        while stderr.components(separatedBy: "configuration reloaded").count - 1 < count {
            if stderr.contains("configuration not reloaded") {
                throw GatewayTestError("reload \(count) refused:\n\(stderr)")
            }
            guard ContinuousClock.now < deadline else { throw GatewayTestError("reload \(count) not logged:\n\(stderr)") }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

extension Thread {
    /// Runs `body` on a new thread (blocking socket clients must not occupy the test's executor) and returns its completion.
    static func detachNewThreadWithResult(_ body: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        let done = AsyncStream<Void>.makeStream()
        Thread.detachNewThread {
            body()
            done.continuation.finish()
        }
        return Task { for await _ in done.stream {} }
    }
}
