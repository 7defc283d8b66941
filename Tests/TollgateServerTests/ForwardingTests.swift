import Foundation
import Testing

@Suite("Forwarding through the real gateway", .serialized)
struct ForwardingTests {
    @Test("GET reaches the upstream and the answer comes back")
    func get() async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /things?a=1&b=%20 HTTP/1.1\r\nHost: api.test\r\n\r\n")
            #expect(response.status == 200)
            #expect(response.json["uri"] as? String == "/things?a=1&b=%20")
            #expect(response.json["method"] as? String == "GET")
            #expect(fixture.upstream.received.count == 1)
        }
    }

    @Test("POST with Content-Length and with a chunked body arrive whole")
    func postBodies() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world")
            let first = try connection.readResponse()
            #expect(first.status == 200)
            #expect(first.json["body_bytes"] as? Int == 11)
            try connection.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            let second = try connection.readResponse()
            #expect(second.status == 200)
            #expect(second.json["body_bytes"] as? Int == 11)
            let received = fixture.upstream.received
            #expect(received.count == 2)
            #expect(received.last?.header("transfer-encoding") == "chunked")
        }
    }

    @Test("keep-alive: the upstream sees fewer connections than requests")
    func keepAliveReuse() async throws {
        try await GatewayFixture.run { fixture in
            for _ in 0..<3 {
                let connection = try RawHTTPConnection(port: fixture.port)
                for _ in 0..<5 {
                    try connection.send("GET /k HTTP/1.1\r\nHost: a\r\n\r\n")
                    #expect(try connection.readResponse().status == 200)
                }
            }
            #expect(fixture.upstream.received.count == 15)
            #expect(fixture.upstream.connectionCount == 1)
        }
    }

    @Test("pipelined requests are answered in order")
    func pipelining() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /slow?ms=200 HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\nGET /third HTTP/1.1\r\nHost: a\r\n\r\n")
            let uris = try (0..<3).map { _ in try connection.readResponse().json["uri"] as? String }
            #expect(uris == ["/slow?ms=200", "/second", "/third"])
        }
    }

    @Test("pipelined requests with bodies, refusals and forwards mixed are answered in order, each as its own request")
    func pipeliningMixed() async throws {
        let routes = """
              - path: /private/**
                upstream: app
              - path: /**
                upstream: app
                auth: none
            """
        let issuer = TestIssuer.shared
        try await GatewayFixture.run(routes: routes, sections: "issuers:\n\(issuer.yaml)") { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(
                "GET /slow?ms=300 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /private/x HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /last HTTP/1.1\r\nHost: a\r\n\r\n"
            )
            let responses = try (0..<5).map { _ in try connection.readResponse() }
            #expect(responses.map(\.status) == [200, 401, 200, 200, 200])
            #expect(responses[0].json["uri"] as? String == "/slow?ms=300")
            #expect(responses[1].json["error"] as? String == "unauthorized")
            #expect(responses[2].json["uri"] as? String == "/echo")
            #expect(responses[2].json["body_bytes"] as? Int == 5)
            #expect(responses[3].json["uri"] as? String == "/chunked")
            #expect(responses[3].json["body_bytes"] as? Int == 3)
            #expect(responses[4].json["uri"] as? String == "/last")
            #expect(fixture.upstream.headsSeen == ["/slow?ms=300", "/echo", "/chunked", "/last"])
            // The connection is still good for a request sent after all of them.
            try connection.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().json["uri"] as? String == "/after")
        }
    }

    @Test("a malformed request pipelined behind a slow one: the slow one is answered first, then 400 and close")
    func pipelinedMalformed() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /slow?ms=300 HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
            let first = try connection.readResponse()
            #expect(first.status == 200)
            #expect(first.json["uri"] as? String == "/slow?ms=300")
            let second = try connection.readResponse()
            #expect(second.status == 400)
            #expect(second.json["error"] as? String == "invalid_request")
            #expect(connection.waitForClose(timeout: .seconds(5)))
            #expect(fixture.upstream.headsSeen == ["/slow?ms=300"])
        }
    }

    @Test("a malformed request on a kept-alive connection after a finished one gets 400, not a silent close")
    func malformedAfterKeepAlive() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try connection.send("GET /bad HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 400)
            #expect(response.header("x-request-id")?.isEmpty == false)
            #expect(connection.waitForClose(timeout: .seconds(5)))
        }
    }

    @Test("hop-by-hop headers are dropped in both directions")
    func hopByHop() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(
                "GET /hop HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n"
                    + "Proxy-Authorization: Basic eA==\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Normal: yes\r\n\r\n"
            )
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.header("x-hop") == nil)
            #expect(response.header("keep-alive") == nil)
            #expect(response.header("proxy-authenticate") == nil)
            #expect(response.header("x-kept") == "yes")
            let seen = try #require(fixture.upstream.received.first)
            for name in ["x-secret", "keep-alive", "proxy-authorization", "te", "upgrade"] {
                #expect(seen.header(name) == nil, "\(name) reached the upstream")
            }
            #expect(seen.header("x-normal") == "yes")
        }
    }

    @Test("a GET whose Connection names Content-Length: its body stays its body upstream, never a second request")
    func connectionCannotUnframeABody() async throws {
        try await GatewayFixture.run { fixture in
            let smuggled = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(
                "GET /things HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggled.utf8.count)\r\nConnection: content-length\r\n\r\n\(smuggled)"
            )
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.json["body_bytes"] as? Int == smuggled.utf8.count)
            try connection.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            let received = fixture.upstream.received
            #expect(received.map(\.uri) == ["/things", "/after"])
            #expect(received.first?.header("content-length") == "\(smuggled.utf8.count)")
        }
    }

    @Test("Host: two are 400 (the gateway routes by one, an upstream may read the other), none is 400 on HTTP/1.1, fine on HTTP/1.0")
    func hostFieldCount() async throws {
        try await GatewayFixture.run { fixture in
            let two = try RawHTTPConnection.exchange(port: fixture.port, "GET /things HTTP/1.1\r\nHost: good.test\r\nhost: evil.test\r\n\r\n")
            #expect(two.status == 400)
            #expect(two.json["error"] as? String == "invalid_request")
            #expect(two.json["error_description"] as? String == "the request has more than one Host header")
            #expect(two.header("connection") == "close")
            let none = try RawHTTPConnection.exchange(port: fixture.port, "GET /things HTTP/1.1\r\nAccept: */*\r\n\r\n")
            #expect(none.status == 400)
            #expect(none.json["error_description"] as? String == "an HTTP/1.1 request needs a Host header")
            #expect(fixture.upstream.received.isEmpty)
            let old = try RawHTTPConnection.exchange(port: fixture.port, "GET /things HTTP/1.0\r\n\r\n")
            #expect(old.status == 200)
            #expect(fixture.upstream.received.map(\.uri) == ["/things"])
        }
    }

    @Test("X-Forwarded-* are set (appended for -For) and X-Request-Id is generated and returned")
    func forwardedHeaders() async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(
                port: fixture.port,
                "GET /f HTTP/1.1\r\nHost: api.test:8443\r\nX-Forwarded-For: 10.9.9.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\n\r\n"
            )
            #expect(response.status == 200)
            let seen = try #require(fixture.upstream.received.first)
            #expect(seen.header("x-forwarded-for") == "10.9.9.9, 127.0.0.1")
            #expect(seen.header("x-forwarded-proto") == "http")
            #expect(seen.header("x-forwarded-host") == "api.test:8443")
            #expect(seen.header("host") == "api.test:8443")
            let id = try #require(response.header("x-request-id"))
            #expect(id.count == 32)
            #expect(seen.header("x-request-id") == id)

            let kept = try RawHTTPConnection.exchange(port: fixture.port, "GET /f HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc-123\r\n\r\n")
            #expect(kept.header("x-request-id") == "abc-123")
        }
    }

    @Test("strip_prefix removes the prefix and keeps the query")
    func stripPrefix() async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /strip/v1/items?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.json["uri"] as? String == "/v1/items?x=1")
            let root = try RawHTTPConnection.exchange(port: fixture.port, "GET /strip HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(root.json["uri"] as? String == "/")
        }
    }

    @Test("host_header: preserve sends the client's Host, target sends the target's host:port")
    func hostHeader() async throws {
        try await GatewayFixture.run { preserve in
            _ = try RawHTTPConnection.exchange(port: preserve.port, "GET / HTTP/1.1\r\nHost: client.test\r\n\r\n")
            #expect(preserve.upstream.received.first?.header("host") == "client.test")
        }
        try await GatewayFixture.run(upstreamOptions: "    host_header: target") { target in
            _ = try RawHTTPConnection.exchange(port: target.port, "GET / HTTP/1.1\r\nHost: client.test\r\n\r\n")
            #expect(target.upstream.received.first?.header("host") == "127.0.0.1:\(target.upstream.port)")
            #expect(target.upstream.received.first?.header("x-forwarded-host") == "client.test")
        }
    }

    @Test("404 and 405 with Allow are JSON errors, and nothing is forwarded")
    func notFoundAndMethod() async throws {
        try await GatewayFixture.run(routes: """
              - path: /only-get
                methods: [GET]
                upstream: app
                auth: none
            """) { fixture in
            let missing = try RawHTTPConnection.exchange(port: fixture.port, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(missing.status == 404)
            #expect(missing.json["error"] as? String == "not_found")
            #expect(missing.header("content-type") == "application/json")
            let method = try RawHTTPConnection.exchange(port: fixture.port, "DELETE /only-get HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(method.status == 405)
            #expect(method.json["error"] as? String == "method_not_allowed")
            #expect(method.header("allow") == "GET, HEAD")
            let head = try RawHTTPConnection(port: fixture.port)
            try head.send("HEAD /only-get HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try head.readResponse(forHead: true).status == 200)
            #expect(fixture.upstream.received.map(\.method) == ["HEAD"])
        }
    }

    @Test("unsafe paths are refused with 400 before routing", arguments: [
        "/a/../b", "/a/%2e%2E/b", "/a/%2F/b", "/a%5cb", "/a/./b", "/a%00b",
    ])
    func unsafePaths(path: String) async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_request")
            #expect(fixture.upstream.received.isEmpty)
        }
    }
}
