import Testing
@testable import TollgateCore

@Suite("RouteTable compilation")
struct RouteTableCompileTests {
    @Test("same host, same shape and a method in common is a conflict", arguments: [
        (["GET"], ["GET"]),
        (["GET", "POST"], ["POST"]),
        (nil, nil),
        (nil, ["DELETE"]),
    ] as [([String]?, [String]?)])
    func conflicts(first: [String]?, second: [String]?) throws {
        let routes = [try entry("/a/{id}/**", methods: first), try entry("/a/{other}/**", methods: second)]
        #expect(throws: RouteTableError.conflict(first: 0, second: 1, pattern: "/a/{other}/**")) { try RouteTable(routes) }
        let hosted = [
            try entry("/x", host: "*.example.com", methods: first),
            try entry("/y"),
            try entry("/x", host: "*.EXAMPLE.com", methods: second),
        ]
        #expect(throws: RouteTableError.conflict(first: 0, second: 2, pattern: "/x")) { try RouteTable(hosted) }
    }

    @Test("disjoint methods, different hosts, different shapes, and GET beside HEAD do not conflict")
    func nonConflicts() throws {
        _ = try RouteTable([try entry("/a", methods: ["GET"]), try entry("/a", methods: ["POST"])])
        _ = try RouteTable([try entry("/a", methods: ["GET"]), try entry("/a", methods: ["HEAD"])])
        _ = try RouteTable([try entry("/a", host: "x.example.com"), try entry("/a", host: "*.example.com"), try entry("/a")])
        _ = try RouteTable([try entry("/a"), try entry("/a/**"), try entry("/{x}"), try entry("/**")])
    }

    @Test("the conflict message names both routes and the pattern")
    func conflictMessage() {
        let error = RouteTableError.conflict(first: 0, second: 3, pattern: "/a")
        #expect(error.description == "routes 1 and 4 have the same host, the same path pattern ('/a') and a method in common")
    }

    @Test("priority order: host tier, then a node's own routes, literal children, {param}, /**")
    func priorityOrder() throws {
        let routes = try RouteTable([
            try entry("/**"),                              // 0
            try entry("/b"),                               // 1
            try entry("/a/{x}"),                           // 2
            try entry("/a/b"),                             // 3
            try entry("/a"),                               // 4
            try entry("/a/**"),                            // 5
            try entry("/{x}"),                             // 6
            try entry("/x", host: "*.example.com"),        // 7
            try entry("/x", host: "api.example.com"),      // 8
            try entry("/x", host: "*.b.example.com"),      // 9
            try entry("/", methods: ["GET"]),              // 10
            try entry("/", methods: ["POST"]),             // 11
        ])
        #expect(routes.routeIndicesInPriorityOrder == [8, 9, 7, 10, 11, 4, 3, 2, 5, 1, 6, 0])
    }

    @Test("strip_prefix must be leading literal segments of the pattern", arguments: [
        ("/api/v1/**", "/ap"), ("/api/v1/**", "/v1"), ("/api/{v}/**", "/api/v1"), ("/api", "/api/v1"),
        ("/api/**", "/api/"), ("/api/**", "api"), ("/api/**", "/api/**"), ("/api/**", "/api/{x}"),
    ])
    func invalidStripPrefix(pattern: String, prefix: String) throws {
        let route = try entry(pattern, stripPrefix: prefix)
        #expect(throws: RouteTableError.stripPrefixNotInPattern(entry: 0, prefix: prefix, pattern: pattern)) {
            try RouteTable([route])
        }
    }
}
