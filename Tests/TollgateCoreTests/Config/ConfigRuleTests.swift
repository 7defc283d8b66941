import Testing
import TollgateCore

/// SPEC's "Rules that `check` enforces", and the further rules of the schema.
@Suite struct ConfigRuleTests {
    typealias F = ConfigFixtures

    static let upstream = "upstreams: [{name: u, targets: [h:1]}]\n"
    static let jwtIssuer = "issuers:\n  - {name: i, issuer: https://i, audiences: [a], jwks_uri: https://i/jwks}\n"

    // MARK: SPEC rules

    @Test func aJWTIssuerNeedsExactlyOneKeySource() {
        F.expectError(F.minimal + "issuers:\n  - name: i\n    issuer: https://i\n    audiences: [a]\n", at: 5, 5,
                      containing: "issuers[0]: missing a key source: give exactly one of jwks_file, jwks_uri, discovery_url")
        let two = "issuers:\n  - name: i\n    issuer: https://i\n    audiences: [a]\n    jwks_uri: https://i/jwks\n    discovery_url: https://i/.well-known/openid-configuration\n"
        F.expectError(F.minimal + two, at: 9, 5, containing: "issuers[0].discovery_url: jwks_uri is already given (line 8)")
    }

    @Test func atMostOneIntrospectionIssuer() {
        let yaml = F.minimal + """
            issuers:
              - name: first
                introspection: {endpoint: https://as/introspect, client_id: c, client_secret_env: S}
              - name: second
                introspection: {endpoint: https://as/introspect, client_id: c, client_secret_env: S}

            """
        F.expectError(yaml, at: 7, 11, containing: "issuer 'second': at most one introspection issuer is allowed, and 'first' (line 5) is one")
    }

    @Test func scopesAndAnyScopesExcludeEachOther() {
        let yaml = F.minimal + Self.upstream + "routes:\n  - path: /a\n    upstream: u\n    scopes: [a]\n    any_scopes: [b]\n"
        F.expectError(yaml, at: 9, 5, containing: "routes[0].any_scopes: cannot be combined with scopes")
    }

    @Test(arguments: ["none", "optional"])
    func scopesNeedAuthRequired(auth: String) {
        for key in ["scopes", "any_scopes"] {
            let yaml = F.minimal + Self.upstream + "routes:\n  - path: /a\n    upstream: u\n    \(key): [a]\n    auth: \(auth)\n"
            F.expectError(yaml, at: 9, 11, containing: "routes[0].auth: auth: \(auth)")
            #expect(F.errors(yaml).first?.message.contains("so \(key) (line 8) could not be enforced") == true)
        }
    }

    @Test func authNoneWithIssuersIsAnError() {
        let yaml = F.minimal + Self.upstream + Self.jwtIssuer + "routes:\n  - path: /a\n    upstream: u\n    issuers: [i]\n    auth: none\n"
        F.expectError(yaml, at: 11, 11, containing: "auth: none never reads a token, so issuers (line 10) has no effect")
    }

    @Test func wildcardOriginWithCredentialsIsAnErrorGlobally() {
        let yaml = "server:\n  listen: 127.0.0.1:1\ncors:\n  allowed_origins: [\"*\"]\n  allow_credentials: true\n"
        F.expectError(yaml, at: 5, 22, containing: "cors: allowed_origins '*' with allow_credentials: true")
    }

    @Test func wildcardOriginWithCredentialsIsAnErrorInARoutesMergedPolicy() {
        let global = "server:\n  listen: 127.0.0.1:1\ncors:\n  allowed_origins: [\"*\"]\n" + Self.upstream
        let routeSetsCredentials = global + "routes:\n  - path: /a\n    upstream: u\n    cors:\n      allow_credentials: true\n"
        F.expectError(routeSetsCredentials, at: 10, 26, containing: "route '/a' cors (part of it inherited from the global cors)")
        let globalCredentials = "server:\n  listen: 127.0.0.1:1\ncors:\n  allow_credentials: true\n" + Self.upstream
        let routeSetsWildcard = globalCredentials + "routes:\n  - path: /a\n    upstream: u\n    cors:\n      allowed_origins: [\"*\"]\n"
        F.expectError(routeSetsWildcard, at: 10, 25, containing: "route '/a' cors (part of it inherited from the global cors)")
        let routeOverrides = globalCredentials.replacingOccurrences(of: "true", with: "true\n  allowed_origins: [\"*\"]")
            + "routes:\n  - path: /a\n    upstream: u\n    cors:\n      allow_credentials: false\n"
        #expect(F.errors(routeOverrides).map(\.location) == [TollgateCore.SourceLocation(line: 4, column: 22)])
    }

    @Test func routesMustNameExistingUpstreamsAndIssuers() {
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: /a, upstream: v}\n", at: 6, 26,
                      containing: "route '/a': no upstream named 'v' (defined: u)")
        F.expectError(F.minimal + Self.upstream + Self.jwtIssuer + "routes:\n  - {path: /a, upstream: u, issuers: [i, j]}\n", at: 8, 42,
                      containing: "route '/a': no issuer named 'j' (defined: i)")
    }

    @Test func noCORSSectionIsAWarningNotAnError() throws {
        let loaded = try F.load("server:\n  listen: 127.0.0.1:1\n")
        #expect(loaded.warnings.map(\.description) == ["test.yaml: warning: no cors section: no cross-origin browser request will be allowed"])
        #expect(loaded.config.cors == nil)
        #expect(try F.load(F.minimal).warnings.isEmpty)
    }

    // MARK: Issuers

    @Test func aJWTIssuerNeedsItsIssuerAndAnAudience() {
        F.expectError(F.minimal + "issuers:\n  - {name: i, audiences: [a], jwks_uri: https://i/j}\n", at: 5, 5,
                      containing: "issuers[0]: missing required key 'issuer'")
        F.expectError(F.minimal + "issuers:\n  - {name: i, issuer: x, audiences: [], jwks_uri: https://i/j}\n", at: 5, 37,
                      containing: "issuers[0].audiences: must list at least one audience")
        F.expectError(F.minimal + "issuers:\n  - {issuer: x, audiences: [a], jwks_uri: https://i/j}\n", at: 5, 5,
                      containing: "issuers[0]: missing required key 'name'")
    }

    @Test func algorithmsAreJWSAlgorithms() throws {
        F.expectError(F.minimal + "issuers:\n  - {name: i, issuer: x, audiences: [a], jwks_uri: https://i/j, algorithms: [RS256, rs384]}\n",
                      at: 5, 85, containing: "unknown algorithm 'rs384'")
        F.expectError(F.minimal + "issuers:\n  - {name: i, issuer: x, audiences: [a], jwks_uri: https://i/j, algorithms: [none]}\n",
                      at: 5, 78, containing: "'none' is never accepted")
        let loaded = try F.load(F.minimal + Self.jwtIssuer)
        #expect(loaded.config.issuers[0].algorithms.map(\.value) == JWSAlgorithm.defaultAllowed)
    }

    @Test func keyFetchingURLsAreHTTPSOrLoopbackHTTP() throws {
        for url in ["http://127.0.0.1:9000/jwks", "http://localhost/jwks", "http://[::1]:80/jwks", "https://i.example.com/jwks"] {
            let yaml = F.minimal + "issuers:\n  - {name: i, issuer: x, audiences: [a], jwks_uri: \"\(url)\"}\n"
            #expect(F.errors(yaml).isEmpty, "\(url)")
        }
        F.expectError(F.minimal + "issuers:\n  - {name: i, issuer: x, audiences: [a], jwks_uri: \"http://i.example.com/jwks\"}\n",
                      at: 5, 52, containing: "plain http:// is allowed only to loopback hosts")
        F.expectError(F.minimal + "issuers:\n  - {name: i, issuer: x, audiences: [a], discovery_url: \"ftp://i/x\"}\n",
                      at: 5, 57, containing: "'ftp://i/x' is not an https:// URL")
        F.expectError(F.minimal + "issuers:\n  - name: i\n    introspection: {endpoint: \"http://10.0.0.1/i\", client_id: c, client_secret_env: S}\n",
                      at: 6, 31, containing: "issuers[0].introspection.endpoint: 'http://10.0.0.1/i': plain http://")
    }

    @Test func introspectionIssuersTakeNoJWTKeysAndNeedAnEnvironmentName() {
        F.expectError(F.minimal + "issuers:\n  - name: i\n    audiences: [a]\n    introspection: {endpoint: https://as/i, client_id: c, client_secret_env: S}\n",
                      at: 6, 5, containing: "issuers[0].audiences: not used by an introspection issuer")
        F.expectError(F.minimal + "issuers:\n  - name: i\n    introspection: {endpoint: https://as/i, client_id: c, client_secret_env: 1SECRET}\n",
                      at: 6, 78, containing: "'1SECRET' is not an environment variable name")
    }

    // MARK: Server

    @Test func listenAndAdminAddresses() throws {
        let list = try F.load("server:\n  listen: [127.0.0.1:8080, \"[::1]:8080\", 0.0.0.0:0]\ncors: {}\n")
        #expect(list.config.server.listen.map(\.value.description) == ["127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0"])
        F.expectError("server:\n  listen: 127.0.0.1:8080\n  admin: 127.0.0.1:8080\ncors: {}\n", at: 3, 10,
                      containing: "server.admin: 127.0.0.1:8080 is also a public listen address (line 2)")
        F.expectError("server:\n  listen: \"::1:8080\"\ncors: {}\n", at: 2, 11, containing: "write an IPv6 address in brackets")
        F.expectError("server:\n  listen: []\ncors: {}\n", at: 2, 11, containing: "must name at least one host:port")
        F.expectError("server:\n  listen: [h:1, h:1]\ncors: {}\n", at: 2, 17, containing: "h:1 is already listed at line 2")
    }

    @Test func workersAreAutoOrAPositiveInteger() throws {
        #expect(try F.load("server:\n  listen: h:1\n  workers: 4\ncors: {}\n").config.server.workers == .count(4))
        #expect(try F.load("server:\n  listen: h:1\n  workers: auto\ncors: {}\n").config.server.workers == .auto)
        for bad in ["0", "-2", "Auto", "2.5", "[]"] {
            F.expectError("server:\n  listen: h:1\n  workers: \(bad)\ncors: {}\n", at: 3, 12, containing: "expected 'auto' or a positive integer")
        }
    }

    @Test func namedFilesMustExist() throws {
        let yaml = """
            server:
              listen: h:1
              tls: {certificate: cert.pem, private_key: key.pem}
            cors: {}
            issuers:
              - {name: i, issuer: x, audiences: [a], jwks_file: jwks.json, ca_file: ca.pem}
            upstreams:
              - {name: u, targets: ["https://h"], ca_file: uca.pem, client_certificate: c.pem, client_private_key: k.pem}

            """
        let all: Set = ["cert.pem", "key.pem", "jwks.json", "ca.pem", "uca.pem", "c.pem", "k.pem"]
        #expect(F.errors(yaml, existing: all).isEmpty)
        let missing = F.errors(yaml, existing: ["cert.pem", "ca.pem", "c.pem"])
        #expect(missing.map(\.location.description) == ["3:45", "6:53", "8:48", "8:104"])
        #expect(missing.first?.message == "server.tls.private_key: file 'key.pem' does not exist (relative paths are resolved against the working directory)")
        #expect(missing[1].message.hasPrefix("issuer 'i' jwks_file: file 'jwks.json' does not exist"))
    }

    // MARK: Upstreams

    @Test func upstreamTargetsAndTLSFiles() {
        F.expectError(F.minimal + "upstreams:\n  - {name: u, targets: []}\n", at: 5, 24, containing: "must list at least one target")
        F.expectError(F.minimal + "upstreams:\n  - {name: u, targets: [h:1, \"https://h:0\"]}\n", at: 5, 30, containing: "'https://h:0' has an invalid port")
        F.expectError(F.minimal + "upstreams:\n  - {name: u, targets: [h:1], ca_file: x}\n", at: 5, 31,
                      containing: "upstreams[0].ca_file: applies only to https:// targets", existing: ["x"])
        F.expectError(F.minimal + "upstreams:\n  - {name: u, targets: [\"https://h\"], client_certificate: x}\n", at: 5, 5,
                      containing: "client_certificate and client_private_key go together", existing: ["x"])
        F.expectError(F.minimal + "upstreams:\n  - {name: u, targets: [h:1], balance: random}\n", at: 5, 40,
                      containing: "expected one of round_robin, least_connections, found 'random'")
        F.expectError(F.minimal + "upstreams:\n  - {name: u, targets: [h:1], max_connections: 0}\n", at: 5, 48, containing: "expected a positive integer")
    }

    // MARK: Routes

    @Test func routePathsAndHostsAreParsedPatterns() {
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: \"/a/**/b\", upstream: u}\n", at: 6, 12,
                      containing: "route path '/a/**/b': '/**' is allowed only as the last segment")
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: api, upstream: u}\n", at: 6, 12, containing: "must start with '/'")
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: /a, host: \"example.com:8080\", upstream: u}\n", at: 6, 22,
                      containing: "route '/a' host: 'example.com:8080' is not a host name")
    }

    @Test func stripPrefixIsWholeLeadingLiteralSegments() throws {
        let base = F.minimal + Self.upstream + "routes:\n  - path: /api/v1/{id}/**\n    upstream: u\n    strip_prefix: "
        #expect(F.errors(base + "/api\n").isEmpty)
        #expect(F.errors(base + "/api/v1\n").isEmpty)
        for bad in ["/ap", "api", "/api/", "/", "/api/v1/x", "/v1"] {
            F.expectError(base + "\(bad)\n", at: 8, 19, containing: "strip_prefix '\(bad)': it must be whole leading segments of '/api/v1'")
        }
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: \"/{x}\", upstream: u, strip_prefix: /a}\n", at: 6, 47,
                      containing: "this pattern has no literal leading segments")
    }

    @Test func methodsAreUpperCaseTokens() {
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: /a, upstream: u, methods: [GET, post]}\n", at: 6, 44,
                      containing: "'post': HTTP methods are case-sensitive; write 'POST'")
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: /a, upstream: u, methods: [\"GE T\"]}\n", at: 6, 39,
                      containing: "'GE T' is not a valid HTTP method")
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: /a, upstream: u, methods: []}\n", at: 6, 38,
                      containing: "must list at least one method")
        F.expectError("server: {listen: h:1}\ncors:\n  allowed_methods: [get]\n", at: 3, 21, containing: "HTTP methods are case-sensitive")
    }

    @Test func scopesAreScopeTokens() {
        F.expectError(F.minimal + Self.upstream + "routes:\n  - {path: /a, upstream: u, scopes: [\"a b\"]}\n", at: 6, 38,
                      containing: "'a b' is not one scope")
        F.expectError(F.minimal + "scopes:\n  implies:\n    \"x y\": [a]\n", at: 6, 5, containing: "'x y' is not one scope")
    }

    // MARK: CORS, clients, forward

    @Test func originsAndHeaderNames() throws {
        let good = "server: {listen: h:1}\ncors:\n  allowed_origins: [\"*\", \"null\", \"https://a.example.com\", \"http://localhost:3000\", \"https://*.example.com\", \"http://[::1]:8080\"]\n  allowed_headers: [Authorization, X-Custom_1]\n"
        #expect(F.errors(good).isEmpty)
        for bad in ["https://a.example.com/", "a.example.com", "https://a.example.com/path", "https://", "https://a b", "://a"] {
            F.expectError("server: {listen: h:1}\ncors:\n  allowed_origins: [\"\(bad)\"]\n", at: 3, 21, containing: "'\(bad)' is not an origin")
        }
        F.expectError("server: {listen: h:1}\ncors:\n  exposed_headers: [\"X Bad\"]\n", at: 3, 21, containing: "'X Bad' is not a valid header name")
        F.expectError(F.minimal + "forward:\n  headers:\n    \"X:Bad\": sub\n", at: 6, 5, containing: "'X:Bad' is not a valid header name")
        F.expectError(F.minimal + "clients:\n  - {client_id: c, allowed_origins: [\"https://x/\"]}\n", at: 5, 38, containing: "is not an origin")
    }

    @Test func aRouteCORSHasTheGlobalKeys() throws {
        let yaml = F.minimal + Self.upstream + "routes:\n  - path: /a\n    upstream: u\n    cors:\n      max_age: 5m\n      allowed_origins: [\"https://x.example.com\"]\n"
        let route = try F.load(yaml).config.routes[0]
        #expect(route.cors?.maxAge == .seconds(300))
        #expect(route.cors?.allowedOrigins?.map(\.value) == ["https://x.example.com"])
        #expect(route.cors?.allowedMethods == nil)
        F.expectError(yaml + "      origins: []\n", at: 11, 7, containing: "unknown key in routes[0].cors: 'origins'")
    }
}
