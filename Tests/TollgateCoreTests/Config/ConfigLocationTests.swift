import Testing
import TollgateCore

/// Each class of error is reported at the exact line and column the user must edit.
@Suite struct ConfigLocationTests {
    typealias F = ConfigFixtures

    @Test func unknownKeyIsReportedAtTheKey() {
        F.expectError(F.minimal + "routes:\n  - path: /a\n    upstream: u\n    upsteam: v\nupstreams:\n  - {name: u, targets: [h:1]}\n",
                      at: 7, 5, containing: "unknown key in routes[0]: 'upsteam' (expected one of: name, path, methods")
        F.expectError(F.minimal + "listen: 1\n", at: 4, 1, containing: "unknown top-level key: 'listen'")
        F.expectError("server:\n  listen: 127.0.0.1:1\n  tls_on: true\ncors: {}\n", at: 3, 3, containing: "unknown key in server: 'tls_on'")
    }

    @Test func wrongTypeIsReportedAtTheValue() {
        F.expectError(F.minimal + "routes: 5\n", at: 4, 9, containing: "routes: expected a list, found '5'")
        F.expectError("server:\n  listen: {a: 1}\ncors: {}\n", at: 2, 11, containing: "server.listen: expected host:port or a list of them, found a mapping")
        F.expectError("server: [a]\ncors: {}\n", at: 1, 9, containing: "server: expected a mapping of keys, found a list")
        F.expectError(F.minimal + "forward:\n  strip_authorization: yes\n", at: 5, 24, containing: "expected true or false, found 'yes'")
        F.expectError(F.minimal + "cache:\n  tokens: many\n", at: 5, 11, containing: "cache.tokens: expected a positive integer, found 'many'")
        F.expectError(F.minimal + "cache:\n  tokens: 0\n", at: 5, 11, containing: "cache.tokens: expected a positive integer, found 0")
        F.expectError(F.minimal + "access_log:\n  path:\n", at: 5, 8, containing: "access_log.path: expected a string, found nothing (null)")
        let introspection = "issuers:\n  - name: i\n    introspection:\n      endpoint: https://as/introspect\n"
            + "      client_id: c\n      client_secret_env: S\n      max_in_flight: "
        F.expectError(F.minimal + introspection + "0\n", at: 10, 22,
                      containing: "issuers[0].introspection.max_in_flight: expected a positive integer, found 0")
        F.expectError(F.minimal + introspection + "lots\n", at: 10, 22,
                      containing: "issuers[0].introspection.max_in_flight: expected a positive integer, found 'lots'")
    }

    @Test func badDurationsAndSizesAreReportedAtTheValue() {
        F.expectError(F.minimal + "limits:\n  idle_timeout: 10 s\n", at: 5, 17, containing: "'10 s' is not a duration")
        F.expectError(F.minimal + "limits:\n  idle_timeout: 30\n", at: 5, 17, containing: "'30' has no unit")
        F.expectError(F.minimal + "limits:\n  idle_timeout: 0s\n", at: 5, 17, containing: "must be longer than zero")
        F.expectError(F.minimal + "limits:\n  max_body_bytes: 1.5.3MiB\n", at: 5, 19, containing: "'1.5.3MiB' is not a size")
        F.expectError(F.minimal + "limits:\n  max_body_bytes: -1\n", at: 5, 19, containing: "'-1' is not a size")
        F.expectError(F.minimal + "limits:\n  max_header_bytes: 0\n", at: 5, 21, containing: "must be larger than zero")
    }

    @Test func missingRequiredKeyIsReportedAtTheMappingThatLacksIt() {
        F.expectError("server:\n  workers: 2\ncors: {}\n", at: 1, 1, containing: "server: missing required key 'listen'")
        F.expectError("# comment\n\ncors: {}\n", at: 3, 1, containing: "the file: missing required key 'server'")
        F.expectError("", at: 1, 1, containing: "the file is empty")
        F.expectError(F.minimal + "upstreams:\n  - name: u\n    balance: round_robin\n", at: 5, 5, containing: "upstreams[0]: missing required key 'targets'")
        F.expectError(F.minimal + "issuers:\n  - name: i\n    introspection:\n      endpoint: https://as/introspect\n      client_id: c\n",
                      at: 6, 5, containing: "issuers[0].introspection: missing required key 'client_secret_env'")
    }

    @Test func yamlSyntaxErrorsAreReportedAtLibyamlsMark() {
        F.expectError("server:\n  listen: [127.0.0.1:8080\nroutes: []\n", at: 3, 7, containing: "invalid YAML: did not find expected ',' or ']'")
        F.expectError("server:\n  listen: 127.0.0.1:8080\n bad: 1\n", at: 3, 2, containing: "invalid YAML: did not find expected key")
        F.expectError("server:\n\tlisten: 1\n", at: 2, 1, containing: "invalid YAML: found character that cannot start any token")
        F.expectError("a: 1\n---\nb: 2\n", at: 2, 1, containing: "invalid YAML")
        F.expectError("x: *nope\n", at: 1, 4, containing: "invalid YAML: found undefined alias")
    }

    @Test func duplicateKeyIsReportedAtItsSecondOccurrenceAndTheRestIsStillChecked() {
        let yaml = """
            server:
              listen: 127.0.0.1:1
              listen: 127.0.0.1:2
              workers: x
            cors: {}
            upstreams:
              - name: u
                targets: [h:1]
                name: v

            """
        let found = F.errors(yaml).map(\.description)
        #expect(found == [
            "test.yaml:3:3: duplicate key 'listen' (first given at line 2)",
            "test.yaml:4:12: server.workers: expected 'auto' or a positive integer, found 'x'",
            "test.yaml:9:5: duplicate key 'name' (first given at line 7)",
        ])
    }

    @Test func duplicateKeysThatLibyamlTellsApartAreCaughtToo() {
        F.expectError(F.minimal + "forward:\n  headers:\n    X-A: sub\n    X-B: sub\n    'X-A': azp\n", at: 8, 5, containing: "duplicate key 'X-A' (first given at line 6)")
        F.expectError(F.minimal + "forward:\n  headers:\n    X-A: sub\n    x-a: azp\n", at: 7, 5, containing: "header 'x-a' is already set at line 6")
    }

    @Test("forward.headers cannot name a header the gateway writes itself", arguments: [
        "Content-Length", "transfer-encoding", "Host", "Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Expect",
        "Proxy-Authorization", "proxy-connection", "X-Forwarded-For", "X-Forwarded-Proto", "x-forwarded-host", "X-Request-Id",
    ])
    func gatewayOwnedForwardHeaders(name: String) {
        F.expectError(
            F.minimal + "forward:\n  headers:\n    X-User: sub\n    \(name): sub\n",
            at: 7, 5,
            containing: "forward.headers: header '\(name)' cannot be set from a claim: the gateway writes it itself"
        )
    }

    @Test func forwardHeadersNamedLikeGatewayOwnedOnesAreAccepted() {
        let yaml = F.minimal + "forward:\n  headers:\n    X-Host: sub\n    Content-Language: azp\n    X-Forwarded-User: sub\n"
        #expect(F.errors(yaml).isEmpty)
    }

    @Test func aDuplicateKeyInAFlowMappingStopsTheAnalysisWithOneClearLine() {
        F.expectError("server: {listen: 127.0.0.1:1, listen: 127.0.0.1:2}\n", at: 1, 10, containing: "duplicate key 'listen' in this mapping")
    }

    @Test func columnsCountCharactersNotBytes() {
        F.expectError(F.minimal + "clients:\n  - {client_id: \"é€\", allowed_origins: [], bad: 1}\n", at: 5, 44, containing: "unknown key in clients[0]: 'bad'")
    }

    @Test func duplicateNamesAreReportedAtTheSecondOccurrence() {
        let upstreams = "upstreams:\n  - {name: u, targets: [h:1]}\n  - {name: u, targets: [h:2]}\n"
        F.expectError(F.minimal + upstreams, at: 6, 12, containing: "upstream 'u' is already defined at line 5")
        let clients = "clients:\n  - {client_id: c, allowed_origins: []}\n  - {client_id: c, allowed_origins: []}\n"
        F.expectError(F.minimal + clients, at: 6, 17, containing: "client 'c' is already defined at line 5")
        let issuers = """
            issuers:
              - {name: a, issuer: https://a, audiences: [x], jwks_uri: https://a/jwks}
              - {name: a, issuer: https://b, audiences: [x], jwks_uri: https://b/jwks}

            """
        F.expectError(F.minimal + issuers, at: 6, 12, containing: "issuer 'a' is already defined at line 5")
        let sameIss = issuers.replacingOccurrences(of: "name: a, issuer: https://b", with: "name: b, issuer: https://a")
        F.expectError(F.minimal + sameIss, at: 6, 23, containing: "issuer value (iss) 'https://a' is already defined at line 5")
        let routes = "upstreams: [{name: u, targets: [h:1]}]\nroutes:\n  - {name: r, path: /a, upstream: u}\n  - {name: r, path: /b, upstream: u}\n"
        F.expectError(F.minimal + routes, at: 7, 12, containing: "route name 'r' is already defined at line 6")
    }

    @Test func conflictingRoutesAreReportedAtTheLaterRouteNamingTheEarlierLine() {
        let yaml = F.minimal + """
            upstreams: [{name: u, targets: [h:1]}]
            routes:
              - path: /a/{id}
                methods: [GET, PUT]
                upstream: u
              - path: /a/{name}
                methods: [PUT]
                upstream: u

            """
        F.expectError(yaml, at: 9, 11, containing: "route '/a/{name}' conflicts with route '/a/{id}' (line 6): neither has a host")
    }

    @Test func sameShapeIsFineWithDisjointMethodsOrDifferentHosts() throws {
        let yaml = F.minimal + """
            upstreams: [{name: u, targets: [h:1]}]
            routes:
              - {path: "/a/{id}", methods: [GET], upstream: u}
              - {path: "/a/{name}", methods: [PUT], upstream: u}
              - {path: "/a/{name}", host: api.example.com, upstream: u}
              - {path: "/a/{name}", host: "*.example.com", upstream: u}
              - {path: "/a/{x}/**", upstream: u}

            """
        let loaded = try F.load(yaml)
        #expect(loaded.config.routes.count == 5)
        F.expectError(yaml + "  - {path: \"/a/{z}\", host: API.example.com, upstream: u}\n", at: 11, 12,
                      containing: "conflicts with route '/a/{name}' (line 8): both have host api.example.com")
    }
}
