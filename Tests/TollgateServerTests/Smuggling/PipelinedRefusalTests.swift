import Testing

/// A refused request followed, in the same write, by another: the second is
/// decided on its own or the connection closes; it is never forwarded
/// undecided, and a refused request's body is never read as a request.
@Suite("Pipelined requests after a refusal, judged from the upstream's raw bytes", .serialized)
struct PipelinedRefusalTests {
    static let follower = RequestFramingTests.follower
    static let smuggled = RequestFramingTests.smuggled

    @Test("a refused request without a body, then another: 401, then the second decided and forwarded on its own")
    func refusedThenDecided() async throws {
        try await SmugglingFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(Self.smuggled + Self.follower + "GET /admin/y HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 401)
            let follower = try connection.readResponse()
            #expect(follower.status == 200 && follower.text == "path=/public/follower")
            #expect(try connection.readResponse().status == 401)
            try await fixture.expectForwarded([.get("/public/follower")])
        }
    }

    @Test("a refused request whose body is a request: the body is never read as one; the follower is decided on its own or the connection closes",
          arguments: [
            "POST /admin/x HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)",
            "POST /admin/x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)",
            "POST /admin/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\(String(smuggled.utf8.count, radix: 16))\r\n\(smuggled)\r\n0\r\n\r\n",
            "POST /nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)",
          ])
    func refusedBodyIsNotARequest(request: String) async throws {
        try await SmugglingFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(request + Self.follower)
            let refused = try connection.readResponse()
            #expect([401, 404].contains(refused.status), "\(refused.status) \(refused.text)")
            let forwarded: [UpstreamTranscript.Request]
            if let follower = try? connection.readResponse() {
                #expect(follower.status == 200 && follower.text == "path=/public/follower", "\(follower.status) \(follower.text)")
                forwarded = [.get("/public/follower")]
            } else {
                #expect(connection.peerClosed)
                forwarded = []
            }
            try await fixture.expectForwarded(forwarded)
        }
    }

    @Test("a refusal that closes the connection (no Host), a request pipelined behind it: never forwarded, and the gateway stays up",
          arguments: [
            "GET /public/a HTTP/1.1\r\n\r\n",
            "GET /public/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "POST /public/a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          ])
    func closingRefusalThenRequest(request: String) async throws {
        try await SmugglingFixture.run { fixture in
            // An idle pooled connection, so that a request decided now is attached to it at once.
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /public/warm HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(request + Self.follower)
            let first = try connection.readResponse()
            #expect([400, 200].contains(first.status), "\(first.status) \(first.text)")
            #expect(connection.waitForClose())
            try await Task.sleep(for: .milliseconds(200))
            // The gateway closed that connection: what came after it on the wire is never served, and nothing crashed.
            let next = try? RawHTTPConnection.exchange(port: fixture.port, "GET /public/next HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(next?.status == 200 && next?.text == "path=/public/next", "the gateway is gone: \(MutatedStreamTests.crashReport(fixture.gateway.stderr).prefix(300))")
            let forwarded = fixture.upstream.requests.map(\.uri)
            #expect(!forwarded.contains("/public/follower"), "\(forwarded)")
        }
    }

    @Test("a body over max_body_bytes by its Content-Length: 413 and closed; the body, a request, never reaches the upstream")
    func declaredTooLarge() async throws {
        let padding = String(repeating: "x", count: 2048)
        try await SmugglingFixture.run(limits: "  max_body_bytes: 1KiB") { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: \(padding.utf8.count)\r\n\r\n" + Self.smuggled + Self.follower)
            #expect(try connection.readResponse().status == 413)
            #expect(connection.waitForClose())
            try await fixture.expectForwarded([])
        }
    }

    @Test("Connection: close on a forwarded request: the request pipelined after it is never forwarded")
    func connectionClose() async throws {
        try await SmugglingFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /public/a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + Self.follower)
            let response = try connection.readResponse()
            #expect(response.status == 200 && response.text == "path=/public/a")
            #expect(connection.waitForClose())
            try await fixture.expectForwarded([.get("/public/a")])
        }
    }

    @Test("a WebSocket upgrade refused (401) or answered without 101: the bytes after it are never parsed as a request",
          arguments: ["/admin/x", "/public/a"])
    func upgradeNotTaken(path: String) async throws {
        try await SmugglingFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(
                "GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                    + Self.smuggled + Self.follower
            )
            let response = try connection.readResponse()
            #expect(response.status == (path == "/admin/x" ? 401 : 200), "\(response.status) \(response.text)")
            #expect(connection.waitForClose())
            try await fixture.expectForwarded(path == "/admin/x" ? [] : [.get(path)])
        }
    }
}
