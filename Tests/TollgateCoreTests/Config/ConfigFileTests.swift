import Foundation
import Testing
import TollgateCore

/// Whole files: the shipped example, and a file with many problems at once.
@Suite struct ConfigFileTests {
    /// The repository root, from this file's path (Tests/TollgateCoreTests/Config/…).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theShippedExampleLoads() throws {
        let url = Self.repositoryRoot.appendingPathComponent("conf/tollgate.yaml")
        let yaml = try String(contentsOf: url, encoding: .utf8)
        let loaded = try ConfigLoader.load(yaml: yaml, file: "conf/tollgate.yaml") { path in
            FileManager.default.fileExists(atPath: Self.repositoryRoot.appendingPathComponent(path).path)
        }
        let config = loaded.config
        #expect(loaded.warnings.isEmpty)
        #expect(config.server.listen.map(\.value) == [HostPort(host: "127.0.0.1", port: 8080)])
        #expect(config.issuers.map(\.name.value) == ["tenant-eu", "opaque-as"])
        #expect(config.issuers[0].keySource?.value == .jwksFile("conf/jwks.json"))
        #expect(config.issuers[1].introspection?.clientSecretEnv.value == "TOLLGATE_INTROSPECTION_SECRET")
        #expect(config.issuers[1].introspection?.maxInFlight == 64)
        #expect(config.scopes.implies.map(\.scope.value) == ["admin.apps", "apps"])
        #expect(config.upstreams[0].targets.map(\.value.description) == ["127.0.0.1:9001"])
        #expect(config.routes.map(\.displayName) == ["list-apps", "/api/v1/apps/{id}", "/public/**", "/api/v1/tenants/**", "/api/v1/events"])
        #expect(config.routes[3].stripPrefix?.value == "/api")
        #expect(config.limits.maxBodyBytes == 10 * 1024 * 1024)
        #expect(config.forward.headers.map(\.name.value) == ["X-Auth-Subject", "X-Auth-Client-Id", "X-Auth-Scopes"])
        #expect(config.cache == CacheConfig(), "the example's cache section shows the defaults")
        #expect(config.cache.dpopKeys == 4096)
    }

    @Test func theExampleJWKSIsAnRSAPublicKeySet() throws {
        let data = try Data(contentsOf: Self.repositoryRoot.appendingPathComponent("conf/jwks.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: [[String: String]]]
        let key = try #require(object?["keys"]?.first)
        #expect(key["kty"] == "RSA")
        #expect(key["e"] == "AQAB")
        #expect((key["n"]?.count ?? 0) >= 342, "a 2048-bit modulus is 342 base64url characters")
        #expect(key["d"] == nil, "no private part")
    }

    @Test func everyProblemInAFileIsReportedInOrder() {
        let yaml = """
            server:
              listen: 127.0.0.1:80800
              workers: 0
              colour: blue
            issuers:
              - name: a
                issuer: https://a
                audiences: []
                jwks_file: missing.json
              - name: a
                introspection:
                  endpoint: https://x/introspect
            upstreams:
              - name: u
                targets: [127.0.0.1:9001]
                timeout: 10 s
            routes:
              - path: /a/{id}
                upstream: nope
                methods: [get]
            cors:
              allowed_origins: ["*"]
              allow_credentials: true
            limits:
              max_body_bytes: 1.5.3MiB

            """
        let lines = ConfigFixtures.errors(yaml).map(\.description)
        #expect(lines == [
            "test.yaml:2:11: server.listen: '127.0.0.1:80800' has an invalid port (1-65535, or 0 where a free port may be picked)",
            "test.yaml:3:12: server.workers: expected 'auto' or a positive integer, found '0'",
            "test.yaml:4:3: unknown key in server: 'colour' (expected one of: listen, tls, admin, workers, drain_timeout, public_origin)",
            "test.yaml:8:16: issuers[0].audiences: must list at least one audience",
            "test.yaml:9:16: issuer 'a' jwks_file: file 'missing.json' does not exist (relative paths are resolved against the working directory)",
            "test.yaml:10:11: issuer 'a' is already defined at line 6",
            "test.yaml:11:5: issuers[1].introspection: missing required key 'client_id'",
            "test.yaml:11:5: issuers[1].introspection: missing required key 'client_secret_env'",
            "test.yaml:16:14: upstreams[0].timeout: '10 s' is not a duration: write a non-negative number and a unit (ms, s, m, h) with no space, like 250ms, 30s, 1.5s, 5m, 1h",
            "test.yaml:19:15: route '/a/{id}': no upstream named 'nope' (defined: u)",
            "test.yaml:20:15: routes[0].methods[0]: 'get': HTTP methods are case-sensitive; write 'GET'",
            "test.yaml:23:22: cors: allowed_origins '*' with allow_credentials: true would let any site make credentialed requests (browsers refuse it too); list the origins",
            "test.yaml:25:19: limits.max_body_bytes: '1.5.3MiB' is not a size: write a non-negative integer (bytes) or a number and a unit (B, KiB, MiB, GiB) with no space, like 512B, 16KiB, 10MiB",
        ])
    }

    @Test func hostileInputIsReportedNotCrashedOn() {
        let inputs = [
            "\u{FEFF}server: {listen: h:1}\ncors: {}\n",
            String(repeating: "[", count: 5_000),
            "server: &a {listen: h:1}\ncors: *a\n",
            "? [complex, key]\n: value\n",
            "server:\n  listen: !!binary aGVsbG8=\n",
            "\u{0}",
            String(repeating: "a: 1\n", count: 300),
        ]
        for input in inputs {
            _ = ConfigFixtures.errors(input)
        }
        #expect(ConfigFixtures.errors("? [complex, key]\n: value\n").map(\.description).contains(
            "test.yaml:1:3: the file: keys must be plain strings, found a list"))
        let repeated = ConfigFixtures.errors(String(repeating: "a: 1\n", count: 300))
        #expect(repeated.count == 1 + 299 + 1, "missing server, 299 repeats, unknown key 'a'")
        #expect(repeated.last?.description == "test.yaml:300:1: duplicate key 'a' (first given at line 1)")
    }
}
