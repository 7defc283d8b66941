import Foundation
import Testing

@Suite("Request limits and timeouts", .serialized)
struct LimitsTests {
    static let smallLimits = """
          max_request_line_bytes: 64
          max_header_bytes: 512
          max_body_bytes: 1KiB
        """

    @Test("a request line over max_request_line_bytes gives 414")
    func uriTooLong() async throws {
        try await GatewayFixture.run(limits: Self.smallLimits) { fixture in
            let path = "/" + String(repeating: "a", count: 100)
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 414)
            #expect(response.json["error"] as? String == "uri_too_long")
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a head over max_header_bytes gives 431, also when far over the limit")
    func headerTooLarge() async throws {
        try await GatewayFixture.run(limits: Self.smallLimits) { fixture in
            for size in [600, 100_000] {
                let response = try RawHTTPConnection.exchange(
                    port: fixture.port,
                    "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "b", count: size))\r\n\r\n"
                )
                #expect(response.status == 431)
                #expect(response.json["error"] as? String == "request_header_fields_too_large")
            }
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a body over max_body_bytes gives 413, by Content-Length and by chunked length")
    func bodyTooLarge() async throws {
        try await GatewayFixture.run(limits: Self.smallLimits) { fixture in
            let declared = try RawHTTPConnection.exchange(port: fixture.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n")
            #expect(declared.status == 413)
            #expect(declared.json["error"] as? String == "payload_too_large")

            let chunk = String(repeating: "c", count: 800)
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n")
            let chunked = try connection.readResponse()
            #expect(chunked.status == 413)
            #expect(connection.waitForClose())
            #expect(fixture.upstream.received.allSatisfy { $0.bodyBytes <= 1024 })
        }
    }

    @Test("a head not complete within header_timeout gives 408 and the connection closes")
    func headerTimeout() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            let started = ContinuousClock.now
            try connection.send("GET / HTTP/1.1\r\nHost: a\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(response.json["error"] as? String == "request_timeout")
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(connection.waitForClose())
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a body not complete within request_timeout gives 408")
    func requestTimeout() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly-part")
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(connection.waitForClose())
        }
    }

    @Test("Expect: 100-continue gets 100 only when admitted")
    func expectContinue() async throws {
        try await GatewayFixture.run(limits: Self.smallLimits) { fixture in
            let admitted = try RawHTTPConnection(port: fixture.port)
            try admitted.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            #expect(try admitted.readResponse().status == 100)
            try admitted.send("hello")
            let final = try admitted.readResponse()
            #expect(final.status == 200)
            #expect(final.json["body_bytes"] as? Int == 5)
            #expect(fixture.upstream.received.first?.header("expect") == nil)

            let refused = try RawHTTPConnection(port: fixture.port)
            try refused.send("POST /private/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            #expect(try refused.readResponse().status == 401)

            let tooBig = try RawHTTPConnection(port: fixture.port)
            try tooBig.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            #expect(try tooBig.readResponse().status == 413)
            #expect(fixture.upstream.received.count == 1)
        }
    }

    @Test("limits.max_connections: a connection beyond it is closed at once, existing ones keep working")
    func clientConnectionLimit() async throws {
        try await GatewayFixture.run(limits: "  max_connections: 2") { fixture in
            let first = try RawHTTPConnection(port: fixture.port)
            let second = try RawHTTPConnection(port: fixture.port)
            try first.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try first.readResponse().status == 200)
            let third = try RawHTTPConnection(port: fixture.port)
            #expect(third.waitForClose(timeout: .seconds(5)))
            try second.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try second.readResponse().status == 200)
        }
    }

    @Test("a keep-alive connection idle for idle_timeout is closed quietly; one with a request in flight is not")
    func idleTimeout() async throws {
        try await GatewayFixture.run(limits: "  idle_timeout: 1s") { fixture in
            let idle = try RawHTTPConnection(port: fixture.port)
            try idle.send("GET /once HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try idle.readResponse().status == 200)
            let busy = try RawHTTPConnection(port: fixture.port)
            try busy.send("GET /hold?id=idle HTTP/1.1\r\nHost: a\r\n\r\n")
            try await fixture.upstream.waitForHeld("idle")
            #expect(idle.waitForClose(timeout: .seconds(5)))
            // Keep the busy exchange going well past idle_timeout before answering it.
            try await Task.sleep(for: .seconds(2))
            try await fixture.upstream.release("idle")
            #expect(try busy.readResponse().status == 200)
            try busy.send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try busy.readResponse().status == 200)
        }
    }
}
