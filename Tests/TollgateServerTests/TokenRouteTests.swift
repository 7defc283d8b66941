import Foundation
import Testing

@Suite("Tokens, scopes and identity forwarding through the real gateway", .serialized)
struct TokenRouteTests {
    static let issuer = TestIssuer.shared

    static let sections = """
        issuers:
        \(issuer.yaml)
          - name: other
            issuer: https://other.test
            audiences: [api.test]
            jwks_file: \(issuer.jwksPath)
        scopes:
          implies:
            admin.apps: [apps]
            apps: [apps:read, apps:write]
        """

    static let forward = """
        forward:
          headers:
            X-Auth-Subject: sub
            X-Auth-Scopes: scope
            X-Auth-Client-Id: client_id
        """

    static let routes = """
          - path: /api/v1/apps
            methods: [GET]
            upstream: app
            scopes: [apps:read]
          - path: /api/v1/apps/{id}
            methods: [PUT, DELETE]
            upstream: app
            any_scopes: [apps:write, admin.apps]
          - path: /tenants/**
            upstream: app
            issuers: [other]
          - path: /public/**
            upstream: app
            auth: none
        """

    static func run(forward: String = forward, _ body: (GatewayFixture) async throws -> Void) async throws {
        try await GatewayFixture.run(routes: routes, forward: forward, sections: sections, body)
    }

    static func get(_ port: Int, _ path: String, token: String?, method: String = "GET", extra: String = "") throws -> RawResponse {
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        return try RawHTTPConnection.exchange(port: port, "\(method) \(path) HTTP/1.1\r\nHost: api.test\r\n\(authorization)\(extra)\r\n")
    }

    @Test("a valid token with the route's scope is forwarded with identity headers")
    func admitted() async throws {
        try await Self.run { fixture in
            let token = try Self.issuer.token(scope: "apps:read profile", subject: "alice", clientID: "cli")
            let response = try Self.get(fixture.port, "/api/v1/apps", token: token)
            #expect(response.status == 200)
            let seen = try #require(fixture.upstream.received.first)
            #expect(seen.header("x-auth-subject") == "alice")
            #expect(seen.header("x-auth-scopes") == "apps:read profile")
            #expect(seen.header("x-auth-client-id") == "cli")
            #expect(seen.header("authorization") == "Bearer \(token)")
            // The same token again is served from the verified-token cache.
            #expect(try Self.get(fixture.port, "/api/v1/apps", token: token).status == 200)
        }
    }

    @Test("scope implications: admin.apps grants apps grants apps:read")
    func implications() async throws {
        try await Self.run { fixture in
            let admin = try Self.issuer.token(scope: "admin.apps")
            #expect(try Self.get(fixture.port, "/api/v1/apps", token: admin).status == 200)
            #expect(try Self.get(fixture.port, "/api/v1/apps/7", token: admin, method: "DELETE").status == 200)
        }
    }

    @Test("a missing scope is 403 insufficient_scope naming exactly what the route requires, nothing forwarded")
    func insufficientScope() async throws {
        try await Self.run { fixture in
            let reader = try Self.issuer.token(scope: "apps:read")
            let allOf = try Self.get(fixture.port, "/api/v1/apps", token: try Self.issuer.token(scope: "profile"))
            #expect(allOf.status == 403)
            #expect(allOf.json["error"] as? String == "insufficient_scope")
            #expect(allOf.header("www-authenticate") == "Bearer realm=\"tollgate\", error=\"insufficient_scope\", scope=\"apps:read\"")
            let anyOf = try Self.get(fixture.port, "/api/v1/apps/7", token: reader, method: "DELETE")
            #expect(anyOf.status == 403)
            #expect(anyOf.header("www-authenticate")?.hasSuffix("scope=\"apps:write admin.apps\"") == true)
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("refused tokens: expired, wrong audience, bad signature, unknown issuer, garbage — 401 invalid_token")
    func refusedTokens() async throws {
        try await Self.run { fixture in
            let good = try Self.issuer.token(scope: "apps:read")
            var parts = good.split(separator: ".").map(String.init)
            let middle = parts[2].index(parts[2].startIndex, offsetBy: 10)
            parts[2].replaceSubrange(middle...middle, with: parts[2][middle] == "A" ? "B" : "A")
            let cases: [(String, String, String)] = [
                ("expired", try Self.issuer.token(scope: "apps:read", expiresIn: -120), "expired"),
                ("audience", try Self.issuer.token(scope: "apps:read", audience: "someone-else"), "audience"),
                ("signature", parts.joined(separator: "."), "signature"),
                ("garbage", "not-a-jwt", "not a JWT"),
            ]
            for (name, token, phrase) in cases {
                let response = try Self.get(fixture.port, "/api/v1/apps", token: token)
                #expect(response.status == 401, "\(name)")
                #expect(response.json["error"] as? String == "invalid_token", "\(name)")
                let description = response.json["error_description"] as? String ?? ""
                #expect(description.contains(phrase), "\(name): \(description)")
                #expect(response.header("www-authenticate")?.contains("error=\"invalid_token\"") == true, "\(name)")
                #expect(!response.text.contains(token), "\(name): the token was echoed")
            }
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a route's issuers restriction refuses another issuer's token with a reason")
    func issuerRestriction() async throws {
        try await Self.run { fixture in
            let response = try Self.get(fixture.port, "/tenants/acme", token: try Self.issuer.token(scope: "x"))
            #expect(response.status == 401)
            #expect((response.json["error_description"] as? String)?.contains("issuer") == true)
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("identity headers sent by a client are removed on every route, auth: none included")
    func spoofedIdentity() async throws {
        try await Self.run { fixture in
            let response = try Self.get(fixture.port, "/public/x", token: nil, extra: "X-Auth-Subject: admin\r\nx-auth-scopes: admin.apps\r\n")
            #expect(response.status == 200)
            let seen = try #require(fixture.upstream.received.first)
            #expect(seen.header("x-auth-subject") == nil)
            #expect(seen.header("x-auth-scopes") == nil)

            let token = try Self.issuer.token(scope: "apps:read", subject: "bob")
            _ = try Self.get(fixture.port, "/api/v1/apps", token: token, extra: "X-Auth-Subject: admin\r\n")
            #expect(fixture.upstream.received.last?.headers(named: "x-auth-subject") == ["bob"])
        }
    }

    @Test("strip_authorization keeps the token from the upstream")
    func stripAuthorization() async throws {
        try await Self.run(forward: Self.forward + "\n  strip_authorization: true") { fixture in
            let token = try Self.issuer.token(scope: "apps:read")
            #expect(try Self.get(fixture.port, "/api/v1/apps", token: token).status == 200)
            #expect(fixture.upstream.received.first?.header("authorization") == nil)
        }
    }

    @Test("a claim with CR/LF can never reach the upstream as a header: the token is refused")
    func headerInjection() async throws {
        try await Self.run { fixture in
            let token = try Self.issuer.token(scope: "apps:read", subject: "eve\r\nX-Admin: yes")
            let response = try Self.get(fixture.port, "/api/v1/apps", token: token)
            #expect(response.status == 401)
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("fresh tokens pipelined in one write, a body and a bad signature among them, are decided in order")
    func pipelinedMisses() async throws {
        try await Self.run { fixture in
            let writer = try Self.issuer.token(scope: "apps:write", subject: "w")
            let reader = try Self.issuer.token(scope: "apps:read", subject: "r")
            var forged = Array(try Self.issuer.token(scope: "apps:read", subject: "f").utf8)
            let last = forged.count - 2
            forged[last] = forged[last] == UInt8(ascii: "A") ? UInt8(ascii: "Q") : UInt8(ascii: "A")
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(
                "PUT /api/v1/apps/1 HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \(writer)\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /api/v1/apps HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \(reader)\r\n\r\n"
                    + "GET /api/v1/apps HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \(String(decoding: forged, as: UTF8.self))\r\n\r\n"
            )
            #expect(try connection.readResponse().status == 200)
            #expect(try connection.readResponse().status == 200)
            let refused = try connection.readResponse()
            #expect(refused.status == 401)
            #expect(refused.header("www-authenticate")?.contains("invalid_token") == true)
            let seen = fixture.upstream.received
            #expect(seen.map(\.method) == ["PUT", "GET"])
            #expect(seen.first?.bodyBytes == 5)
            #expect(seen.map { $0.header("x-auth-subject") } == ["w", "r"])
        }
    }

    @Test("32 connections with 32 fresh tokens sent at once are each admitted with their own identity")
    func concurrentMisses() async throws {
        try await Self.run { fixture in
            let subjects = (0..<32).map { "user-\($0)" }
            let connections = try subjects.map { _ in try RawHTTPConnection(port: fixture.port) }
            for (connection, subject) in zip(connections, subjects) {
                let token = try Self.issuer.token(scope: "apps:read", subject: subject)
                try connection.send("GET /api/v1/apps HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \(token)\r\n\r\n")
            }
            for connection in connections {
                #expect(try connection.readResponse().status == 200)
            }
            #expect(Set(fixture.upstream.received.compactMap { $0.header("x-auth-subject") }) == Set(subjects))
        }
    }
}
