import Foundation
import Testing

@Suite("Admin listener, drain and signals", .serialized)
struct LifecycleTests {
    @Test("/healthz and /readyz answer on the admin listener, not on the public one")
    func admin() async throws {
        try await GatewayFixture.run(server: "  admin: 127.0.0.1:0") { fixture in
            let adminPort = try #require(fixture.gateway.adminPort)
            #expect(try RawHTTPConnection.exchange(port: adminPort, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            #expect(try RawHTTPConnection.exchange(port: adminPort, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            #expect(try RawHTTPConnection.exchange(port: adminPort, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n").status == 404)
            let public_ = try RawHTTPConnection.exchange(port: fixture.port, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(public_.json["uri"] as? String == "/healthz")
        }
    }

    @Test("SIGTERM lets an in-flight request finish, refuses new connections, exits 0")
    func drain() async throws {
        try await GatewayFixture.run { fixture in
            let inFlight = try RawHTTPConnection(port: fixture.port)
            try inFlight.send("GET /hold?id=drain HTTP/1.1\r\nHost: a\r\n\r\n")
            let idle = try RawHTTPConnection(port: fixture.port)
            try idle.send("GET /quick HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try idle.readResponse().status == 200)
            try await fixture.upstream.waitForHeld("drain")
            fixture.gateway.signal(SIGTERM)
            #expect(idle.waitForClose(timeout: .seconds(3)))
            #expect(fixture.gateway.process.isRunning, "gateway log:\n\(fixture.gateway.stderr)")
            try await fixture.upstream.release("drain")
            let response = try inFlight.readResponse()
            #expect(response.status == 200)
            #expect(response.header("connection") == "close")
            #expect(fixture.gateway.waitForExit(timeout: .seconds(10)) == 0)
            #expect(throws: (any Error).self) { try RawHTTPConnection(port: fixture.port) }
        }
    }

    @Test("a second signal exits at once")
    func secondSignal() async throws {
        try await GatewayFixture.run { fixture in
            let inFlight = try RawHTTPConnection(port: fixture.port)
            try inFlight.send("GET /hold?id=second HTTP/1.1\r\nHost: a\r\n\r\n")
            try await fixture.upstream.waitForHeld("second")
            fixture.gateway.signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            #expect(fixture.gateway.process.isRunning, "gateway log:\n\(fixture.gateway.stderr)")
            let started = ContinuousClock.now
            fixture.gateway.signal(SIGINT)
            #expect(fixture.gateway.waitForExit(timeout: .seconds(3)) == 1)
            #expect(ContinuousClock.now - started < .seconds(3))
        }
    }
}
