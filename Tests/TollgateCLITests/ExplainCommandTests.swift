import Foundation
import Testing
import TollgateCore

@Suite("tollgate explain")
struct ExplainCommandTests {
    /// A config with one JWT issuer whose keys are in `jwks.json`, Qlik-style implications and two routes.
    static func prepare(_ directory: TemporaryDirectory) throws -> SigningKey {
        let key = try SigningKey.generate(.ec(.p256), keyID: "k1")
        let jwks = JSONObject(uniqueKeysWithValues: [("keys", .array([.object(key.verificationJWK)]))])
        try directory.write(jwks.jsonText, to: "jwks.json")
        try directory.write("""
            server:
              listen: 127.0.0.1:0
            issuers:
              - {name: tenant, issuer: "https://tenant.test", audiences: [api], jwks_file: jwks.json}
            scopes:
              implies:
                admin.apps: [apps]
                apps: [apps:read, apps:write]
            cors:
              allowed_origins: [https://app.test]
            upstreams:
              - {name: apps, targets: ["127.0.0.1:9001"]}
            routes:
              - {name: list-apps, path: /api/apps, methods: [GET], upstream: apps, scopes: [apps:read]}
              - {path: "/api/apps/{id}", methods: [DELETE], upstream: apps, any_scopes: [apps:write, admin.apps]}

            """, to: "gateway.yaml")
        return key
    }

    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> TollgateProcess.Result {
        try TollgateProcess.run(["explain", "--config", "gateway.yaml"] + arguments, in: directory.url)
    }

    @Test("--scopes: the implication chain that granted the required scope, and admit")
    func assumedScopes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try Self.prepare(directory)
        let result = try Self.run(["GET", "https://api.test/api/apps?x=1", "--scopes", "admin.apps"], in: directory)
        #expect(result.status == 0)
        #expect(result.standardOutput == """
            request   GET /api/apps?x=1  host api.test
            route     list-apps: /api/apps [GET,HEAD] -> upstream apps, auth required
            token     assumed, scopes: admin.apps
            scopes    all of: apps:read
                      apps:read: granted by token scope admin.apps via admin.apps -> apps -> apps:read
            decision  admit: forward to upstream apps as /api/apps?x=1

            """)
    }

    @Test("--token: verified with the issuer's jwks_file; a missing scope is 403 and exit 2")
    func verifiedToken() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try Self.prepare(directory)
        let claims = DevelopmentToken.claims(
            issuer: "https://tenant.test", audience: "api", subject: "alice", scope: "apps:read", clientID: "spa",
            issuedAt: Int64(Date().timeIntervalSince1970), lifetimeSeconds: 300, tokenID: "t1"
        )
        let token = try key.jwt(claims: claims)
        let result = try Self.run(["DELETE", "/api/apps/7", "--origin", "https://app.test", "--token", token], in: directory)
        #expect(result.status == 2)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("cors      origin https://app.test is allowed"))
        #expect(lines.contains("token     verified, issuer tenant, subject alice, client spa, scopes: apps:read"))
        #expect(lines.contains("          admin.apps: not granted"))
        #expect(lines.last == "decision  403 insufficient_scope: the token lacks the scope this route requires")
        #expect(!result.standardOutput.contains(token))
    }

    @Test("a refused token, no route and a bad origin are explained with the gateway's own answers")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try Self.prepare(directory)
        let forged = try Self.run(["GET", "/api/apps", "--token", "abc.def.ghi"], in: directory)
        #expect(forged.status == 2)
        #expect(forged.standardOutput.contains("decision  401 invalid_token:"))
        let missing = try Self.run(["GET", "/nowhere"], in: directory)
        #expect(missing.standardOutput.hasSuffix("decision  404 not_found: no route for this path\n"))
        let origin = try Self.run(["GET", "/api/apps", "--origin", "https://evil.test", "--scopes", "apps"], in: directory)
        #expect(origin.standardOutput.hasSuffix("decision  403 origin_not_allowed: origin 'https://evil.test' is not allowed\n"))
    }

    @Test("bad arguments are refused with a usage error")
    func badArguments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try Self.prepare(directory)
        let both = try Self.run(["GET", "/api/apps", "--token", "x", "--scopes", "y"], in: directory)
        #expect(both.status != 0)
        #expect(both.standardError.contains("give --token or --scopes, not both"))
        let client = try Self.run(["GET", "/api/apps", "--client-id", "c"], in: directory)
        #expect(client.status != 0)
        #expect(client.standardError.contains("--client-id goes with --scopes"))
        let noURL = try Self.run(["GET"], in: directory)
        #expect(noURL.status != 0)
    }
}
