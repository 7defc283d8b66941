import Foundation
import Testing

@Suite("CORS and allowed origins through the real gateway", .serialized)
struct CORSTests {
    static let issuer = TestIssuer.shared

    static let sections = """
        issuers:
        \(issuer.yaml)
        clients:
          - client_id: dashboard-spa
            allowed_origins: [https://dashboard.example.com]
        cors:
          allowed_origins: [https://dashboard.example.com, "https://*.example.com"]
          allowed_methods: [GET, POST, DELETE]
          allowed_headers: [Authorization, Content-Type]
          exposed_headers: [X-Request-Id]
          max_age: 10m
        """

    static let routes = """
          - path: /api/**
            upstream: app
          - path: /open/**
            upstream: app
            auth: none
            strip_prefix: /open
          - path: /partner/**
            upstream: app
            auth: none
            cors:
              allowed_origins: [https://partner.test]
        """

    static func run(_ body: (GatewayFixture) async throws -> Void) async throws {
        try await GatewayFixture.run(routes: routes, sections: sections, body)
    }

    static func send(_ port: Int, _ head: String) throws -> RawResponse {
        try RawHTTPConnection.exchange(port: port, head + "\r\n")
    }

    @Test("an allowed preflight is answered 204 by the gateway with exactly the CORS headers, never forwarded")
    func preflightAllowed() async throws {
        try await Self.run { fixture in
            let response = try Self.send(fixture.port, """
                OPTIONS /api/items HTTP/1.1\r
                Host: api.test\r
                Origin: https://app.example.com\r
                Access-Control-Request-Method: DELETE\r
                Access-Control-Request-Headers: authorization, content-type\r

                """)
            #expect(response.status == 204)
            #expect(response.header("access-control-allow-origin") == "https://app.example.com")
            #expect(response.header("access-control-allow-methods") == "GET, POST, DELETE")
            #expect(response.header("access-control-allow-headers") == "Authorization, Content-Type")
            #expect(response.header("access-control-max-age") == "600")
            #expect(response.header("vary") == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a preflight from a disallowed origin, method or header is 403 without CORS headers — never 401/404/405")
    func preflightRefused() async throws {
        try await Self.run { fixture in
            let cases = [
                ("https://evil.test", "GET", "authorization"),
                ("https://example.com.evil.com", "GET", ""),
                ("https://app.example.com", "PATCH", ""),
                ("https://app.example.com", "GET", "x-secret"),
            ]
            for (origin, method, headers) in cases {
                let requested = headers.isEmpty ? "" : "Access-Control-Request-Headers: \(headers)\r\n"
                let response = try Self.send(
                    fixture.port,
                    "OPTIONS /nowhere HTTP/1.1\r\nHost: api.test\r\nOrigin: \(origin)\r\nAccess-Control-Request-Method: \(method)\r\n\(requested)"
                )
                #expect(response.status == 403, "\(origin) \(method) \(headers)")
                #expect(response.header("access-control-allow-origin") == nil)
            }
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("responses to an allowed origin carry CORS headers, errors included; the upstream's own are replaced")
    func actualRequests() async throws {
        try await Self.run { fixture in
            let origin = "Origin: https://dashboard.example.com\r\n"
            let ok = try Self.send(fixture.port, "GET /open/with-cors HTTP/1.1\r\nHost: api.test\r\n\(origin)")
            #expect(ok.status == 200)
            #expect(ok.headers(named: "access-control-allow-origin") == ["https://dashboard.example.com"])
            #expect(ok.header("access-control-allow-credentials") == nil)
            #expect(ok.header("access-control-expose-headers") == "X-Request-Id")
            #expect(ok.header("vary") == "Accept-Encoding, Origin")

            let unauthorized = try Self.send(fixture.port, "GET /api/x HTTP/1.1\r\nHost: api.test\r\n\(origin)")
            #expect(unauthorized.status == 401)
            #expect(unauthorized.header("access-control-allow-origin") == "https://dashboard.example.com")
            let missing = try Self.send(fixture.port, "GET /nowhere HTTP/1.1\r\nHost: api.test\r\n\(origin)")
            #expect(missing.status == 404)
            #expect(missing.header("access-control-allow-origin") == "https://dashboard.example.com")
        }
    }

    @Test("a disallowed origin is 403 origin_not_allowed without CORS headers, nothing forwarded; same-origin passes")
    func disallowedOrigin() async throws {
        try await Self.run { fixture in
            for origin in ["https://evil-example.com", "http://dashboard.example.com", "null"] {
                let response = try Self.send(fixture.port, "GET /open/x HTTP/1.1\r\nHost: api.test\r\nOrigin: \(origin)\r\n")
                #expect(response.status == 403, "\(origin)")
                #expect(response.json["error"] as? String == "origin_not_allowed")
                #expect(response.header("access-control-allow-origin") == nil)
            }
            #expect(fixture.upstream.received.isEmpty)
            let same = try Self.send(fixture.port, "POST /open/x HTTP/1.1\r\nHost: api.test\r\nOrigin: http://api.test\r\nContent-Length: 0\r\n")
            #expect(same.status == 200)
            #expect(same.header("access-control-allow-origin") == nil)
        }
    }

    @Test("a route's cors overrides the global policy field by field")
    func routeOverride() async throws {
        try await Self.run { fixture in
            let partner = try Self.send(fixture.port, "GET /partner/x HTTP/1.1\r\nHost: api.test\r\nOrigin: https://partner.test\r\n")
            #expect(partner.status == 200)
            #expect(partner.header("access-control-expose-headers") == "X-Request-Id")
            let global = try Self.send(fixture.port, "GET /partner/x HTTP/1.1\r\nHost: api.test\r\nOrigin: https://dashboard.example.com\r\n")
            #expect(global.status == 403)
        }
    }

    @Test("a listed client's token is refused from a globally allowed origin outside its own list")
    func clientOrigins() async throws {
        try await Self.run { fixture in
            let token = try Self.issuer.token(scope: "x", clientID: "dashboard-spa")
            let auth = "Authorization: Bearer \(token)\r\n"
            let own = try Self.send(fixture.port, "GET /api/x HTTP/1.1\r\nHost: api.test\r\n\(auth)Origin: https://dashboard.example.com\r\n")
            #expect(own.status == 200)
            let other = try Self.send(fixture.port, "GET /api/x HTTP/1.1\r\nHost: api.test\r\n\(auth)Origin: https://app.example.com\r\n")
            #expect(other.status == 403)
            #expect(other.json["error"] as? String == "origin_not_allowed")
            #expect(other.header("access-control-allow-origin") == nil)
            let serverToServer = try Self.send(fixture.port, "GET /api/x HTTP/1.1\r\nHost: api.test\r\n\(auth)")
            #expect(serverToServer.status == 200)
            #expect(fixture.upstream.received.count == 2)
        }
    }

    @Test("errors given before routing (400 unsafe path, 413, 414, 431) carry CORS headers for an allowed origin only")
    func earlyErrors() async throws {
        let limits = "  max_request_line_bytes: 64\n  max_header_bytes: 1KiB\n  max_body_bytes: 16"
        try await GatewayFixture.run(limits: limits, routes: Self.routes, sections: Self.sections) { fixture in
            let requests = [
                (400, "GET /open/%2e%2e/x HTTP/1.1\r\nHost: api.test\r\n"),
                (413, "POST /open/x HTTP/1.1\r\nHost: api.test\r\nContent-Length: 100\r\n"),
                (414, "GET /open/\(String(repeating: "a", count: 80)) HTTP/1.1\r\nHost: api.test\r\n"),
                (431, "GET /open/x HTTP/1.1\r\nHost: api.test\r\nX-Big: \(String(repeating: "b", count: 1000))\r\n"),
            ]
            for (status, request) in requests {
                let allowed = try Self.send(fixture.port, request + "Origin: https://dashboard.example.com\r\n")
                #expect(allowed.status == status)
                #expect(allowed.header("access-control-allow-origin") == "https://dashboard.example.com", "\(status)")
                let stranger = try Self.send(fixture.port, request + "Origin: https://evil.test\r\n")
                #expect(stranger.status == status)
                #expect(stranger.header("access-control-allow-origin") == nil, "\(status)")
            }
            #expect(fixture.upstream.received.isEmpty)
        }
    }
}
