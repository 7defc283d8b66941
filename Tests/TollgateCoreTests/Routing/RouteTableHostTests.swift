import Testing
@testable import TollgateCore

@Suite("RouteTable hosts")
struct RouteTableHostTests {
    let routes: RouteTable

    init() throws {
        routes = try RouteTable([
            try entry("/x"),                                   // 0
            try entry("/x", host: "*.example.com"),            // 1
            try entry("/x", host: "api.example.com"),          // 2
            try entry("/x", host: "*.b.example.com"),          // 3
            try entry("/only-exact", host: "API.example.com"), // 4
            try entry("/only-wild", host: "*.example.com"),    // 5
        ])
    }

    @Test("exact host beats *.suffix beats no host")
    func ranking() throws {
        #expect(try routes.route("/x", host: "api.example.com") == 2)
        #expect(try routes.route("/x", host: "web.example.com") == 1)
        #expect(try routes.route("/x", host: "other.org") == 0)
        #expect(try routes.route("/x") == 0)
    }

    @Test("the port is ignored and hosts compare case-insensitively")
    func portAndCase() throws {
        #expect(try routes.route("/x", host: "api.example.com:8443") == 2)
        #expect(try routes.route("/x", host: "API.Example.COM") == 2)
        #expect(try routes.route("/x", host: "Web.EXAMPLE.com:80") == 1)
        #expect(try routes.route("/only-exact", host: "api.example.com") == 4)
        #expect(try routes.route("/x", host: "api.example.com.") == 2)
        #expect(try routes.route("/x", host: "api.example.com.:443") == 2)
    }

    @Test("*.suffix needs at least one label before the suffix; the longest suffix wins")
    func wildcards() throws {
        #expect(try routes.route("/only-wild", host: "a.example.com") == 5)
        #expect(try routes.route("/only-wild", host: "a.b.example.com") == 5)
        #expect(try routes.route("/only-wild", host: "example.com") == nil)
        #expect(try routes.route("/only-wild", host: "badexample.com") == nil)
        #expect(try routes.route("/only-wild", host: ".example.com") == nil)
        #expect(try routes.route("/x", host: "example.com") == 0)
        #expect(try routes.route("/x", host: "c.b.example.com") == 3)
        #expect(try routes.route("/x", host: "b.example.com") == 1)
    }

    @Test("a route with a host never matches another host, nor a request without one")
    func hostRoutesAreScoped() throws {
        #expect(try routes.route("/only-exact", host: "www.example.com") == nil)
        #expect(try routes.route("/only-exact") == nil)
        #expect(try routes.route("/only-wild") == nil)
        #expect(try routes.route("/only-exact", host: "[::1]:8080") == nil)
        #expect(try routes.route("/x", host: "[::1]:8080") == 0)
        #expect(try routes.route("/x", host: "") == 0)
        #expect(try routes.route("/x", host: ":80") == 0)
    }

    @Test("the host tier ranks before path specificity, and lookup falls through tiers")
    func tiersThenPaths() throws {
        let routes = try RouteTable([
            try entry("/users/{id}"),                                     // 0
            try entry("/**", host: "api.example.com"),                    // 1
            try entry("/admin/**", host: "*.example.com"),                // 2
        ])
        #expect(try routes.route("/users/1", host: "api.example.com") == 1)
        #expect(try routes.route("/users/1", host: "www.example.com") == 0)
        #expect(try routes.route("/admin/x", host: "www.example.com") == 2)
        #expect(try routes.route("/admin/x", host: "api.example.com") == 1)
        #expect(try routes.route("/other", host: "www.example.com") == nil)
    }

    @Test("the method is looked for across every tier that matches, in rank order")
    func methodAcrossTiers() throws {
        let routes = try RouteTable([
            try entry("/x", methods: ["DELETE"]),                              // 0
            try entry("/x", host: "*.example.com", methods: ["POST"]),         // 1
            try entry("/x", host: "api.example.com", methods: ["GET"]),        // 2
        ])
        #expect(try routes.lookup("/x", host: "api.example.com", method: "POST") == RouteLookup(match: .route(1), mostSpecific: 2))
        #expect(try routes.lookup("/x", host: "api.example.com", method: "DELETE") == RouteLookup(match: .route(0), mostSpecific: 2))
        #expect(try routes.lookup("/x", host: "api.example.com", method: "PUT")
            == RouteLookup(match: .methodNotAllowed([.get, .head, .post, .delete]), mostSpecific: 2))
        #expect(try routes.lookup("/x", host: "www.example.com", method: "GET")
            == RouteLookup(match: .methodNotAllowed([.post, .delete]), mostSpecific: 1))
    }

    @Test("the same pattern on different hosts is no conflict")
    func samePatternDifferentHosts() throws {
        let routes = try RouteTable([
            try entry("/a", host: "one.example.com", methods: ["GET"]),
            try entry("/a", host: "two.example.com", methods: ["GET"]),
            try entry("/a", host: "*.example.com", methods: ["GET"]),
            try entry("/a", methods: ["GET"]),
        ])
        #expect(try routes.route("/a", host: "two.example.com") == 1)
        #expect(try routes.route("/a", host: "ONE.example.com") == 0)
        #expect(try routes.route("/a", host: "three.example.com") == 2)
    }
}
