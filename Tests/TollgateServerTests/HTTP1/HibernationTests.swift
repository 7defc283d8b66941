import Foundation
import Testing

/// A keep-alive connection idle for half a second hibernates: its HTTP/1.1 codec
/// and proxy handler leave the pipeline and come back with the next byte
/// (`ConnectionTimerHandler`). Each test lets a connection sit idle past
/// that second, then checks that what comes next is served as if it had not.
@Suite("Idle keep-alive connections hibernate and wake", .serialized)
struct HibernationTests {
    /// Longer than `ConnectionTimerHandler.hibernateAfter` (0.5 s) and a sweep, with room for a loaded machine.
    static let idle = Duration.milliseconds(1_600)

    @Test("after an idle period: a large head with a 64 KiB body arrives whole, HEAD gets no body, a GET follows")
    func largeRequestAfterIdle() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try await Task.sleep(for: Self.idle)

            let padding = String(repeating: "p", count: 6_000)
            let body = String(repeating: "x", count: 65_536)
            try connection.send("POST /upload HTTP/1.1\r\nHost: a\r\nX-Padding: \(padding)\r\nContent-Length: 65536\r\n\r\n" + body)
            let upload = try connection.readResponse()
            #expect(upload.status == 200)
            #expect(upload.json["uri"] as? String == "/upload")
            #expect(upload.json["body_bytes"] as? Int == 65_536)
            #expect(fixture.upstream.received.last?.header("x-padding") == padding)

            // A POST's connection does not hibernate (its end is no empty line); it still serves after idling.
            try await Task.sleep(for: Self.idle)
            try connection.send("HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try connection.readResponse(forHead: true)
            #expect(head.status == 200)
            try await Task.sleep(for: Self.idle)
            try connection.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            // Had the HEAD's answer carried a body, this would read it as the next response.
            let after = try connection.readResponse()
            #expect(after.status == 200)
            #expect(after.json["uri"] as? String == "/after")
            #expect(fixture.upstream.received.map(\.uri) == ["/first", "/upload", "/head", "/after"])
        }
    }

    @Test("pipelined requests sent after an idle period are answered in order")
    func pipeliningAfterIdle() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try await Task.sleep(for: Self.idle)
            try connection.send("GET /slow?ms=200 HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\nGET /third HTTP/1.1\r\nHost: a\r\n\r\n")
            let uris = try (0..<3).map { _ in try connection.readResponse().json["uri"] as? String }
            #expect(uris == ["/slow?ms=200", "/second", "/third"])
            try await Task.sleep(for: Self.idle)
            try connection.send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().json["uri"] as? String == "/again")
        }
    }

    @Test("a request whose first part came with the previous one and whose rest comes after an idle period is one request")
    func partialRequestAcrossIdle() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            // The decoder holds the start of /second while the connection is idle: it must not hibernate.
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nX-Part: on")
            #expect(try connection.readResponse().json["uri"] as? String == "/first")
            try await Task.sleep(for: Self.idle)
            try connection.send("e\r\n\r\n")
            let second = try connection.readResponse()
            #expect(second.status == 200)
            #expect(second.json["uri"] as? String == "/second")
            #expect(fixture.upstream.received.last?.header("x-part") == "one")
            #expect(fixture.upstream.received.map(\.uri) == ["/first", "/second"])
        }
    }

    @Test("a head started after an idle period and never finished gets 408 at header_timeout")
    func headerTimeoutAfterIdle() async throws {
        try await GatewayFixture.run(limits: "  header_timeout: 1s") { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try await Task.sleep(for: Self.idle)
            let started = ContinuousClock.now
            try connection.send("GET /stalled HTTP/1.1\r\nHost: a\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(connection.waitForClose(timeout: .seconds(3)))
            #expect(fixture.upstream.headsSeen == ["/first"])
        }
    }

    @Test("a malformed request after an idle period gets 400, not a silent close")
    func malformedAfterIdle() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try await Task.sleep(for: Self.idle)
            try connection.send("GET /bad HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_request")
            #expect(connection.waitForClose(timeout: .seconds(3)))
        }
    }

    @Test("SIGTERM closes a hibernating connection at once; the gateway exits 0")
    func drainClosesHibernating() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try await Task.sleep(for: Self.idle)
            let started = ContinuousClock.now
            fixture.gateway.signal(SIGTERM)
            #expect(connection.waitForClose(timeout: .seconds(3)))
            #expect(fixture.gateway.waitForExit(timeout: .seconds(10)) == 0)
            // The drain allows 5 s (TestConfig); it must not have waited for the idle connection.
            #expect(ContinuousClock.now - started < .seconds(4), "the drain waited for the idle connection")
        }
    }

    // The deadlines below are met by the loop's sweep (`ConnectionSweep`, every 0.25 s), not by a timer per connection.

    @Test("a hibernated connection is still closed at idle_timeout, not before; the gateway serves on")
    func idleTimeoutAfterHibernating() async throws {
        try await GatewayFixture.run(limits: "  idle_timeout: 2s") { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            let idleFrom = ContinuousClock.now
            // Hibernated by now (0.5 s idle and a sweep), and open: idle_timeout is 2 s.
            #expect(!connection.waitForClose(timeout: Self.idle))
            #expect(connection.waitForClose(timeout: .seconds(6)))
            #expect(ContinuousClock.now - idleFrom >= .seconds(2))
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
        }
    }

    @Test("idle connections their clients close, awake or hibernated, leave the sweep; the others still close at idle_timeout")
    func clientsClosingIdleConnections() async throws {
        try await GatewayFixture.run(limits: "  idle_timeout: 2s") { fixture in
            var connections = try (0..<24).map { index in
                let connection = try RawHTTPConnection(port: fixture.port)
                try connection.send("GET /c\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(try connection.readResponse().status == 200)
                return connection
            }
            // Closed by their clients while awake, then (after the idle second) while hibernated.
            connections.removeFirst(6)
            try await Task.sleep(for: Self.idle)
            connections.removeLast(6)
            let kept = connections.removeLast()
            try kept.send("GET /kept HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try kept.readResponse().json["uri"] as? String == "/kept")
            let closed = connections.filter { $0.waitForClose(timeout: .seconds(6)) }
            #expect(closed.count == 11)
            #expect(kept.waitForClose(timeout: .seconds(6)))
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
        }
    }
}
