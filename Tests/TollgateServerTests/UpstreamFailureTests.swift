import Foundation
import Testing

@Suite("Upstream failures", .serialized)
struct UpstreamFailureTests {
    @Test("an upstream that refuses connections gives 502 bad_gateway")
    func refused() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let closedPort = refusing.port
        let gateway = try GatewayProcess.start(config: TestConfig.yaml(upstreamPort: closedPort))
        defer { gateway.stop() }
        let response = try RawHTTPConnection.exchange(port: gateway.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(response.status == 502)
        #expect(response.json["error"] as? String == "bad_gateway")
        #expect(response.header("content-type") == "application/json")
    }

    @Test("an upstream that resets the connection gives 502")
    func reset() async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /reset HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 502)
            #expect(response.json["error"] as? String == "bad_gateway")
        }
    }

    @Test("no response head within the upstream's timeout gives 504")
    func slow() async throws {
        try await GatewayFixture.run(upstreamOptions: "    timeout: 1s") { fixture in
            let started = ContinuousClock.now
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /slow?ms=6000 HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 504)
            #expect(response.json["error"] as? String == "gateway_timeout")
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }

    @Test("a pooled connection the upstream closed is retried once on a fresh one")
    func staleRetry() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            // The upstream drops every idle connection, as a restarting server would.
            let before = fixture.upstream.connectionCount
            try await fixture.upstream.closeIdleConnections()
            try connection.send("GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.json["uri"] as? String == "/second")
            #expect(fixture.upstream.connectionCount == before + 1)
        }
    }

    @Test("an upstream that asks to close is not reused")
    func upstreamClose() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /close HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try connection.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            #expect(fixture.upstream.connectionCount == 2)
        }
    }

    @Test("max_connections to an upstream: a request waits for a free one, then gets 503 upstream_unavailable")
    func poolLimit() async throws {
        try await GatewayFixture.run(upstreamOptions: "    max_connections: 1\n    connect_timeout: 1500ms") { fixture in
            let busy = try RawHTTPConnection(port: fixture.port)
            try busy.send("GET /hold?id=busy HTTP/1.1\r\nHost: a\r\n\r\n")
            try await fixture.upstream.waitForHeld("busy")
            // Waits for the busy connection longer than connect_timeout (1.5 s): 503.
            let waiting = try RawHTTPConnection.exchange(port: fixture.port, "GET /queued HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(waiting.status == 503)
            #expect(waiting.json["error"] as? String == "upstream_unavailable")
            // A request that waits while the connection frees up gets it.
            let queued = try RawHTTPConnection(port: fixture.port)
            try queued.send("GET /queued-ok HTTP/1.1\r\nHost: a\r\n\r\n")
            try await fixture.upstream.release("busy")
            #expect(try busy.readResponse().status == 200)
            #expect(try queued.readResponse().status == 200)
            // Once it is free, the next request reuses it.
            let after = try RawHTTPConnection.exchange(port: fixture.port, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(after.status == 200)
            #expect(fixture.upstream.connectionCount == 1)
        }
    }

    @Test("a client that disconnects mid-body releases the upstream connection")
    func clientAbort() async throws {
        try await GatewayFixture.run(upstreamOptions: "    max_connections: 1") { fixture in
            do {
                let aborting = try RawHTTPConnection(port: fixture.port)
                try aborting.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\npartial")
                try await Task.sleep(for: .milliseconds(300))
            }
            try await Task.sleep(for: .milliseconds(300))
            let next = try RawHTTPConnection.exchange(port: fixture.port, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(next.status == 200)
            #expect(fixture.upstream.received.map(\.uri) == ["/next"])
        }
    }

    @Test("a target that refuses is skipped and the request goes to the next one")
    func passiveHealth() async throws {
        let live = try await TestUpstream.start()
        let dead = try await TestUpstream.start()
        let deadPort = dead.port
        await dead.stop()
        let gateway = try GatewayProcess.start(config: TestConfig.yaml(
            upstreamPort: live.port,
            targets: ["127.0.0.1:\(deadPort)", "127.0.0.1:\(live.port)"]
        ))
        defer {
            gateway.stop()
            Task { await live.stop() }
        }
        for index in 0..<6 {
            let response = try RawHTTPConnection.exchange(port: gateway.port, "GET /r\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 200)
        }
        #expect(live.received.count == 6)
    }

    @Test("round_robin spreads requests over the targets; least_connections prefers the idle one")
    func balancing() async throws {
        let first = try await TestUpstream.start()
        let second = try await TestUpstream.start()
        defer { Task { await first.stop(); await second.stop() } }
        let targets = ["127.0.0.1:\(first.port)", "127.0.0.1:\(second.port)"]

        let roundRobin = try GatewayProcess.start(config: TestConfig.yaml(upstreamPort: first.port, targets: targets))
        for index in 0..<6 {
            _ = try RawHTTPConnection.exchange(port: roundRobin.port, "GET /rr\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
        }
        roundRobin.stop()
        #expect(first.received.count == 3)
        #expect(second.received.count == 3)

        let least = try GatewayProcess.start(config: TestConfig.yaml(
            upstreamPort: first.port, targets: targets, upstreamOptions: "    balance: least_connections"
        ))
        defer { least.stop() }
        // Whichever target takes the held request, the next ones go to the other.
        let held = try RawHTTPConnection(port: least.port)
        try held.send("GET /hold?id=least HTTP/1.1\r\nHost: a\r\n\r\n")
        let holder = try await Self.waitForHolder(first, second, id: "least")
        let other = holder === first ? second : first
        let before = other.received.count
        for index in 0..<3 {
            _ = try RawHTTPConnection.exchange(port: least.port, "GET /lc\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
        }
        #expect(other.received.count == before + 3)
        try await holder.release("least")
        #expect(try held.readResponse().status == 200)
    }

    private static func waitForHolder(_ a: TestUpstream, _ b: TestUpstream, id: String) async throws -> TestUpstream {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if a.isHolding(id) { return a }
            if b.isHolding(id) { return b }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw GatewayTestError("no target received /hold?id=\(id)")
    }
}
