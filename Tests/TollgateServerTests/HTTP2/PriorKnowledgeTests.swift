import Foundation
import Testing

@Suite("HTTP/2 with prior knowledge next to HTTP/1.1 on the same listener", .serialized)
struct PriorKnowledgeTests {
    static let connectionSpecific = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]

    @Test("curl over h2c: 200 with a token, 401 without, 403 without the scope, with the HTTP/1.1 JSON bodies")
    func tokenAndScopeChecks() async throws {
        try await TokenRouteTests.run { fixture in
            let issuer = TokenRouteTests.issuer
            let token = try issuer.token(scope: "apps:read", subject: "alice")
            let admitted = try HTTP2Tools.curl(port: fixture.port, "/api/v1/apps", token: token)
            #expect(admitted.statusLine.hasPrefix("HTTP/2 "))
            #expect(admitted.status == 200)
            #expect(admitted.header("x-request-id")?.isEmpty == false)
            let seen = try #require(fixture.upstream.received.first)
            #expect(seen.header("x-auth-subject") == "alice")
            #expect(seen.header("x-forwarded-proto") == "http")
            #expect(seen.header("host") == "api.test")

            let narrow = try issuer.token(scope: "profile")
            let cases: [(String?, Int, String)] = [(nil, 401, "unauthorized"), (narrow, 403, "insufficient_scope")]
            for (token, status, code) in cases {
                let h2 = try HTTP2Tools.curl(port: fixture.port, "/api/v1/apps", token: token)
                let h1 = try TokenRouteTests.get(fixture.port, "/api/v1/apps", token: token)
                #expect(h2.status == status)
                #expect(h2.json["error"] as? String == code)
                #expect(h2.json["error_description"] as? String == h1.json["error_description"] as? String)
                #expect(h2.header("www-authenticate") == h1.header("www-authenticate"))
                #expect(h2.header("content-type") == "application/json")
                for name in Self.connectionSpecific { #expect(h2.header(name) == nil, "\(name) on an h2 error response") }
            }
            #expect(fixture.upstream.received.count == 1)
        }
    }

    @Test("upstream hop-by-hop headers never reach an h2 client")
    func noConnectionHeaders() async throws {
        try await GatewayFixture.run { fixture in
            let response = try HTTP2Tools.curl(port: fixture.port, "/hop")
            #expect(response.status == 200)
            #expect(response.header("x-kept") == "yes")
            #expect(response.header("x-hop") == nil)
            for name in Self.connectionSpecific { #expect(response.header(name) == nil, "\(name) on an h2 response") }
        }
    }

    @Test("nghttp: token checks over h2c")
    func nghttp() async throws {
        try await TokenRouteTests.run { fixture in
            let token = try TokenRouteTests.issuer.token(scope: "apps:read")
            let url = "http://127.0.0.1:\(fixture.port)/api/v1/apps"
            let admitted = try HTTP2Tools.run("nghttp", ["-v", "-H", "authorization: Bearer \(token)", url])
            #expect(admitted.status == 0, "\(admitted.stderr)")
            #expect(admitted.stdout.contains(":status: 200"))
            let refused = try HTTP2Tools.run("nghttp", ["-v", url])
            #expect(refused.stdout.contains(":status: 401"))
            #expect(refused.stdout.contains("\"error\":\"unauthorized\""))
            #expect(fixture.upstream.received.count == 1)
        }
    }

    /// HTTP/2 delimits a body by END_STREAM; HTTP/1.1 upstreams need a length
    /// or chunks. NIO's codec frames POST, PUT, PATCH… itself; a GET or DELETE
    /// with DATA and no content-length it leaves unframed, and its body would
    /// be read upstream as the next request on a pooled connection.
    @Test("an h2 body without content-length: framed upstream, or refused; never read there as a second request", arguments: ["POST", "GET", "DELETE"])
    func bodyWithoutContentLength(method: String) async throws {
        try await GatewayFixture.run { fixture in
            let smuggled = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("h2-body-\(UUID().uuidString)")
            try Data(smuggled.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let url = "http://127.0.0.1:\(fixture.port)/upload"
            let result = try HTTP2Tools.run("nghttp", ["-v", "--no-content-length", "-H", ":method: \(method)", "-d", file.path, url])
            #expect(result.status == 0, "\(result.stderr)")
            // A second request would be parsed from the same bytes at once; give it time to show.
            try await Task.sleep(for: .milliseconds(300))
            let received = fixture.upstream.received
            #expect(!received.contains { $0.uri == "/admin" })
            if method == "POST" {
                #expect(result.stdout.contains(":status: 200"))
                #expect(received.map(\.uri) == ["/upload"])
                #expect(received.first?.bodyBytes == smuggled.utf8.count)
            } else {
                #expect(result.stdout.contains(":status: 400"))
                #expect(result.stdout.contains("needs a content-length"))
                #expect(received.isEmpty)
            }
        }
    }

    @Test("100 concurrent streams on one connection are all answered (h2load)")
    func hundredStreams() async throws {
        try await GatewayFixture.run { fixture in
            let output = try HTTP2Tools.run(
                "h2load", ["-n", "100", "-c", "1", "-m", "100", "http://127.0.0.1:\(fixture.port)/slow?ms=300"]
            )
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("100 succeeded"), "\(output.stdout)")
            #expect(output.stdout.contains("status codes: 100 2xx"), "\(output.stdout)")
            #expect(fixture.upstream.received.count == 100)
            // Served side by side: 100 × 300 ms one after another would reuse one upstream connection.
            #expect(fixture.upstream.stats.connections.load(ordering: .relaxed) > 50)
        }
    }

    @Test("HTTP/1.1 still works on the same port, including a method that starts like the preface")
    func http1OnTheSamePort() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
            let post = try connection.readResponse()
            #expect(post.status == 200)
            #expect(post.json["body_bytes"] as? Int == 3)
            try connection.send("GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            #expect(fixture.upstream.received.first?.method == "POST")
            // Differs from the preface only at byte 19: HTTP/1.1, whose parser refuses it.
            let almost = try RawHTTPConnection.exchange(port: fixture.port, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
            #expect(almost.status == 400)
            #expect(almost.json["error"] as? String == "invalid_request")
            #expect(fixture.upstream.received.count == 2)
        }
    }

    @Test("a preface that arrives byte by byte still selects HTTP/2")
    func splitPreface() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port)
            for byte in HTTP2Frames.preface { connection.send([byte]) }
            connection.send(HTTP2Frames.settings())
            let first = try #require(try connection.readFrame())
            #expect(first.isType(.settings))
            connection.send(HTTP2Frames.headers(stream: 1, HTTP2Frames.requestBlock(path: "/split")))
            #expect(connection.read { connection.responses[1]?.ended == true })
            #expect(connection.responses[1]?.status == 200)
            #expect(fixture.upstream.received.first?.uri == "/split")
        }
    }

    @Test("a connection that stalls inside the preface gets the header timeout's 408")
    func stalledPreface() async throws {
        try await GatewayFixture.run(limits: "  header_timeout: 300ms") { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(Array(HTTP2Frames.preface.prefix(10)))
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(connection.waitForClose())
        }
    }
}
