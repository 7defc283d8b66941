import Testing
import TollgateCore

/// `RouteListing`: what `tollgate routes` prints, from a loaded config.
@Suite struct RouteListingTests {
    typealias F = ConfigFixtures

    static let head = F.minimal + """
        upstreams: [{name: u, targets: [h:1]}, {name: v, targets: [h:2]}]
        issuers:
          - {name: i, issuer: https://i, audiences: [a], jwks_uri: https://i/jwks}
          - {name: j, issuer: https://j, audiences: [a], jwks_uri: https://j/jwks}

        """

    static func listing(routes: String, scopes: String = "") throws -> RouteListing {
        let loaded = try F.load(head + scopes + "routes:\n" + routes)
        return try RouteListing(snapshot: try GatewaySnapshot(config: loaded.config))
    }

    @Test func ordersLiteralBeforeParamBeforeCatchAll() throws {
        let listing = try Self.listing(routes: """
              - {path: /a/**, upstream: u}
              - {path: "/a/{id}", upstream: u}
              - {path: /a/b, upstream: u}
              - {path: "/a/{id}/c", upstream: u}

            """)
        #expect(listing.rows.map(\.pattern) == ["/a/b", "/a/{id}", "/a/{id}/c", "/a/**"])
        #expect(listing.rows.map(\.index) == [2, 1, 3, 0])
    }

    @Test func ordersExactHostBeforeWildcardBeforeNone() throws {
        let listing = try Self.listing(routes: """
              - {path: /x, upstream: u}
              - {path: /x, upstream: u, host: "*.example.com"}
              - {path: /x, upstream: u, host: "*.api.example.com"}
              - {path: /x, upstream: u, host: api.example.com}

            """)
        #expect(listing.rows.map(\.host) == ["api.example.com", "*.api.example.com", "*.example.com", "*"])
    }

    @Test func showsMethodsWithHeadWhereGetIsAndStarForAll() throws {
        let listing = try Self.listing(routes: """
              - {path: /get, methods: [GET], upstream: u}
              - {path: /write, methods: [PATCH, POST, PURGE], upstream: u}
              - {path: /any, upstream: u}

            """)
        let methods = Dictionary(uniqueKeysWithValues: listing.rows.map { ($0.pattern, $0.methods) })
        #expect(methods == ["/get": "GET,HEAD", "/write": "POST,PATCH,PURGE", "/any": "*"])
    }

    @Test func showsEveryColumnAsConfigured() throws {
        let listing = try Self.listing(routes: """
              - {name: tenants, path: /api/t/**, host: admin.example.com, upstream: v, issuers: [j, i], scopes: [b, a], strip_prefix: /api}
              - {path: /open, upstream: u, auth: none}
              - {path: /maybe, upstream: u, auth: optional, issuers: [i]}
              - {path: /edit, upstream: u, any_scopes: [a, b]}

            """)
        #expect(listing.rows.map(\.cells) == [
            ["tenants", "admin.example.com", "/api/t/**", "*", "v", "required", "all of: b a", "j,i", "/api"],
            ["/edit", "*", "/edit", "*", "u", "required", "any of: a b", "-", "-"],
            ["/maybe", "*", "/maybe", "*", "u", "optional", "-", "i", "-"],
            ["/open", "*", "/open", "*", "u", "none", "-", "-", "-"],
        ])
    }

    @Test func aSingleRequiredScopeIsSatisfiedByItsGrantorsNarrowestFirst() throws {
        let listing = try Self.listing(
            routes: "  - {name: list, path: /apps, upstream: u, scopes: [apps:read]}\n",
            scopes: "scopes:\n  implies:\n    admin.apps: [apps]\n    apps: [apps:read, apps:write]\n"
        )
        #expect(listing.satisfactions.count == 1)
        #expect(listing.satisfactions.first?.conditions.map(\.grantedBy) == [["apps:read", "apps", "admin.apps"]])
        #expect(listing.lines.suffix(2) == [
            "Token scopes that satisfy each route (after scopes.implies):",
            "list: satisfied by: apps:read | apps | admin.apps",
        ])
    }

    @Test func severalRequiredScopesEachListTheirGrantors() throws {
        let listing = try Self.listing(
            routes: "  - {name: both, path: /x, upstream: u, scopes: [users:read, apps:read]}\n",
            scopes: "scopes:\n  implies:\n    apps: [apps:read]\n    admin: [apps, users:read]\n"
        )
        #expect(listing.lines.suffix(3) == [
            "both: satisfied by all of:",
            "  users:read, granted by: users:read | admin",
            "  apps:read, granted by: apps:read | apps | admin",
        ])
    }

    @Test func anyOfIsSatisfiedByTheGrantorsOfEveryAlternative() throws {
        let listing = try Self.listing(
            routes: "  - {name: edit, path: /x, upstream: u, any_scopes: [apps:write, admin.apps]}\n",
            scopes: "scopes:\n  implies:\n    admin.apps: [apps]\n    apps: [apps:read, apps:write]\n"
        )
        let conditions = try #require(listing.satisfactions.first).conditions
        #expect(conditions.map(\.required) == [["apps:write", "admin.apps"]])
        #expect(conditions.map(\.grantedBy) == [["apps:write", "admin.apps", "apps"]])
        #expect(listing.lines.last == "edit: satisfied by: apps:write | admin.apps | apps")
    }

    @Test func cyclicImplicationsListEachEquivalentScopeOnce() throws {
        let listing = try Self.listing(
            routes: "  - {name: r, path: /x, upstream: u, scopes: [b]}\n",
            scopes: "scopes:\n  implies:\n    a: [b]\n    b: [a]\n    c: [a]\n"
        )
        #expect(listing.lines.last == "r: satisfied by: b | a | c")
    }

    @Test func routesWithoutScopesHaveNoScopeSection() throws {
        let listing = try Self.listing(routes: "  - {path: /x, upstream: u}\n  - {path: /y, upstream: u, auth: optional}\n")
        #expect(listing.satisfactions.isEmpty)
        #expect(listing.lines.count == 3)
        #expect(!listing.lines.contains(""))
    }

    @Test func linesAreAlignedColumnsUnderAHeader() throws {
        let listing = try Self.listing(routes: """
              - {name: a-long-name, path: /p, methods: [GET], upstream: u, scopes: [s]}
              - {path: /longer/path, upstream: v, auth: none}

            """)
        #expect(Array(listing.lines.prefix(3)) == [
            "NAME          HOST  PATH          METHODS   UPSTREAM  AUTH      SCOPES     ISSUERS  STRIP_PREFIX",
            "/longer/path  *     /longer/path  *         v         none      -          -        -",
            "a-long-name   *     /p            GET,HEAD  u         required  all of: s  -        -",
        ])
        #expect(listing.lines.allSatisfy { $0.last != " " })
    }

    @Test func anEmptyRouteListIsJustTheHeader() throws {
        let loaded = try F.load(F.minimal)
        let listing = try RouteListing(snapshot: try GatewaySnapshot(config: loaded.config))
        #expect(listing.rows.isEmpty)
        #expect(listing.lines == ["NAME  HOST  PATH  METHODS  UPSTREAM  AUTH  SCOPES  ISSUERS  STRIP_PREFIX"])
    }
}
