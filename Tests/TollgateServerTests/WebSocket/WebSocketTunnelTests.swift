import Foundation
import Testing

/// WebSocket upgrades through the real gateway to a real WebSocket upstream:
/// admitted like any request (token, scopes), then tunnelled byte for byte.
@Suite("WebSocket tunnels", .serialized)
struct WebSocketTunnelTests {
    static let issuer = TestIssuer.shared

    static let routes = """
          - path: /chat/**
            upstream: app
            scopes: [chat]
          - path: /refuse
            upstream: app
            auth: none
        """

    static func run(limits: String = "", upstreamOptions: String = "", _ body: (TestWebSocketUpstream, GatewayProcess) async throws -> Void) async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let config = TestConfig.yaml(
            upstreamPort: upstream.port,
            limits: limits,
            upstreamOptions: upstreamOptions,
            routes: routes,
            sections: "issuers:\n\(issuer.yaml)"
        )
        try await runGateway(config: config, in: upstream, stopUpstream: { await $0.stop() }, body)
    }

    /// Opens a tunnel: the upgrade request, and its 101 checked.
    static func open(_ port: Int, token: String) throws -> RawHTTPConnection {
        let connection = try RawHTTPConnection(port: port)
        try connection.send(WebSocketWire.upgradeRequest(path: "/chat/room-1", token: token))
        let response = try connection.readResponse()
        guard response.status == 101 else { throw GatewayTestError("expected 101, got \(response.status): \(response.text)") }
        return connection
    }

    static func echo(_ connection: RawHTTPConnection, opcode: UInt8, _ payload: [UInt8]) throws -> (opcode: UInt8, payload: [UInt8]) {
        try connection.send(WebSocketWire.clientFrame(opcode: opcode, payload: payload))
        return try WebSocketWire.readServerFrame(connection)
    }

    @Test("with a valid token the 101 comes back and frames cross both ways")
    func framesBothWays() async throws {
        try await Self.run { upstream, gateway in
            let token = try Self.issuer.token(scope: "chat")
            let connection = try RawHTTPConnection(port: gateway.port)
            try connection.send(WebSocketWire.upgradeRequest(path: "/chat/room-1", token: token))
            let response = try connection.readResponse()
            #expect(response.status == 101)
            #expect(response.header("sec-websocket-accept") == WebSocketWire.expectedAccept)
            #expect(response.header("upgrade")?.lowercased() == "websocket")
            #expect(response.header("connection")?.lowercased() == "upgrade")
            #expect(response.header("x-request-id")?.isEmpty == false)

            let text = try Self.echo(connection, opcode: 0x1, Array("hello through the gate".utf8))
            #expect(text.opcode == 0x1)
            #expect(String(decoding: text.payload, as: UTF8.self) == "hello through the gate")
            let binary = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let echoed = try Self.echo(connection, opcode: 0x2, binary)
            #expect(echoed.opcode == 0x2)
            #expect(echoed.payload == binary)
            let pong = try Self.echo(connection, opcode: 0x9, Array("ping".utf8))
            #expect(pong.opcode == 0xA)
            #expect(pong.payload == Array("ping".utf8))

            // The upstream saw one handshake, with the upgrade fields and the gateway's forwarding fields.
            let handshakes = upstream.upgradeRequests
            #expect(handshakes.count == 1)
            let seen = Dictionary(handshakes.first ?? [], uniquingKeysWith: { first, _ in first })
            #expect(seen["Upgrade"]?.lowercased() == "websocket" || seen["upgrade"]?.lowercased() == "websocket")
            #expect(seen["Sec-WebSocket-Key"] == WebSocketWire.upgradeKey)
            #expect(seen["x-forwarded-proto"] == "http")

            // A close frame is answered by the upstream and both connections end.
            let close = try Self.echo(connection, opcode: 0x8, [0x03, 0xE8])
            #expect(close.opcode == 0x8)
            #expect(connection.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("a 1 MiB frame each way crosses the tunnel intact")
    func largeFrames() async throws {
        try await Self.run { _, gateway in
            let connection = try Self.open(gateway.port, token: try Self.issuer.token(scope: "chat"))
            for round in 0..<2 {
                let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ round) }
                let echoed = try Self.echo(connection, opcode: 0x2, payload)
                #expect(echoed.payload.count == payload.count)
                #expect(echoed.payload == payload)
            }
        }
    }

    @Test("refused upgrades get the ordinary JSON error, the connection closes, nothing reaches the upstream",
          arguments: [
              (token: false, scope: "chat", status: 401, error: "unauthorized"),
              (token: true, scope: "read", status: 403, error: "insufficient_scope"),
          ])
    func refused(token: Bool, scope: String, status: Int, error: String) async throws {
        try await Self.run { upstream, gateway in
            let connection = try RawHTTPConnection(port: gateway.port)
            let bearer = token ? try Self.issuer.token(scope: scope) : nil
            try connection.send(WebSocketWire.upgradeRequest(path: "/chat/room-1", token: bearer))
            let response = try connection.readResponse()
            #expect(response.status == status)
            #expect(response.header("content-type")?.hasPrefix("application/json") == true)
            #expect(response.json["error"] as? String == error)
            #expect(response.header("connection")?.lowercased() == "close")
            #expect(response.header("upgrade") == nil)
            // A frame sent anyway is never tunnelled: the gateway closes the connection.
            try? connection.send(WebSocketWire.clientFrame(opcode: 0x1, payload: Array("sneak".utf8)))
            #expect(connection.waitForClose(timeout: .seconds(10)))
            #expect(upstream.upgradeRequests.isEmpty)
            #expect(upstream.plainRequestCount == 0)
        }
    }

    @Test("an upstream that declines the upgrade is answered as usual and the connection closes")
    func upstreamDeclines() async throws {
        try await Self.run { upstream, gateway in
            let connection = try RawHTTPConnection(port: gateway.port)
            try connection.send(WebSocketWire.upgradeRequest(path: "/refuse", token: nil))
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.text == #"{"upgraded":false}"#)
            #expect(response.header("connection")?.lowercased() == "close")
            #expect(connection.waitForClose(timeout: .seconds(10)))
            #expect(upstream.plainRequestCount == 1)
        }
    }

    @Test("a tunnel in use outlives header_timeout and request_timeout; idle_timeout closes it on both sides")
    func idleTimeout() async throws {
        let limits = "  idle_timeout: 3s\n  header_timeout: 500ms\n  request_timeout: 500ms"
        try await Self.run(limits: limits) { upstream, gateway in
            let connection = try Self.open(gateway.port, token: try Self.issuer.token(scope: "chat"))
            // Echoes back to back for 2 s (past 3× the header and request timeouts);
            // no test-side sleep, whose wake-up a loaded machine may delay.
            let started = ContinuousClock.now
            var index = 0
            while ContinuousClock.now - started < .milliseconds(2000) {
                let message = Array("keep-alive \(index)".utf8)
                #expect(try Self.echo(connection, opcode: 0x1, message).payload == message)
                index += 1
            }
            let idleSince = ContinuousClock.now
            #expect(connection.waitForClose(timeout: .seconds(20)))
            #expect(ContinuousClock.now - idleSince >= .milliseconds(2500))
            let deadline = ContinuousClock.now + .seconds(10)
            while upstream.openConnections.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(upstream.openConnections.load(ordering: .relaxed) == 0)
        }
    }

    @Test("the upstream closing its side closes the client's")
    func upstreamCloses() async throws {
        try await Self.run { _, gateway in
            let connection = try Self.open(gateway.port, token: try Self.issuer.token(scope: "chat"))
            try connection.send(WebSocketWire.clientFrame(opcode: 0x1, payload: Array("close-me".utf8)))
            #expect(connection.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("many tunnels leave the upstream pool's max_connections free for ordinary requests")
    func tunnelsLeaveThePool() async throws {
        try await Self.run(upstreamOptions: "    max_connections: 4") { upstream, gateway in
            let token = try Self.issuer.token(scope: "chat")
            // Twice the pool's cap (max_connections: 4 below is per event loop; one worker).
            var tunnels: [RawHTTPConnection] = []
            for _ in 0..<8 { tunnels.append(try Self.open(gateway.port, token: token)) }
            for (index, tunnel) in tunnels.enumerated() {
                let message = Array("tunnel \(index)".utf8)
                #expect(try Self.echo(tunnel, opcode: 0x1, message).payload == message)
            }
            let plain = try RawHTTPConnection.exchange(port: gateway.port, "GET /refuse HTTP/1.1\r\nHost: api.test\r\n\r\n")
            #expect(plain.status == 200)
            #expect(upstream.upgradeRequests.count == 8)
        }
    }
}

/// Upgrades other than WebSocket are served without upgrading, as SPEC says.
@Suite("Other upgrade requests", .serialized)
struct OtherUpgradeTests {
    @Test("Upgrade: h2c is forwarded without Upgrade, answered, and the connection closes")
    func h2cUpgradeServedPlainly() async throws {
        let routes = """
              - path: /**
                upstream: app
                auth: none
            """
        try await GatewayFixture.run(routes: routes) { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(
                "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
            )
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.header("connection")?.lowercased() == "close")
            #expect(response.header("upgrade") == nil)
            #expect(connection.waitForClose(timeout: .seconds(10)))
            let seen = try #require(fixture.upstream.received.first)
            #expect(seen.uri == "/plain")
            #expect(seen.header("upgrade") == nil)
            #expect(seen.header("http2-settings") == nil)
        }
    }
}
