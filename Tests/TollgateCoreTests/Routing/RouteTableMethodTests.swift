import Testing
@testable import TollgateCore

@Suite("RouteTable methods")
struct RouteTableMethodTests {
    @Test("routes of one pattern split by method")
    func methodChoiceOnOnePattern() throws {
        let routes = try RouteTable([
            try entry("/items/{id}", methods: ["GET"]),
            try entry("/items/{x}", methods: ["PUT", "PATCH", "DELETE"]),
        ])
        #expect(try routes.route("/items/1", method: "GET") == 0)
        #expect(try routes.route("/items/1", method: "PATCH") == 1)
        #expect(try routes.route("/items/1", method: "DELETE") == 1)
    }

    @Test("the most specific route that allows the method wins; the most specific overall is reported")
    func mostSpecificAllowingTheMethod() throws {
        let routes = try RouteTable([
            try entry("/a/b", methods: ["GET"]),
            try entry("/a/{x}", methods: ["POST"]),
            try entry("/a/**"),
        ])
        #expect(try routes.lookup("/a/b", method: "GET") == RouteLookup(match: .route(0), mostSpecific: 0))
        #expect(try routes.lookup("/a/b", method: "POST") == RouteLookup(match: .route(1), mostSpecific: 0))
        #expect(try routes.lookup("/a/b", method: "DELETE") == RouteLookup(match: .route(2), mostSpecific: 0))
        #expect(try routes.lookup("/a/z", method: "GET") == RouteLookup(match: .route(2), mostSpecific: 1))
    }

    @Test("404 when no route matches the path, 405 with the union of the matching routes' methods")
    func notFoundVersusMethodNotAllowed() throws {
        let routes = try RouteTable([
            try entry("/a/b", methods: ["GET"]),
            try entry("/a/{x}", methods: ["POST", "PATCH"]),
            try entry("/a/**", methods: ["DELETE"]),
            try entry("/c", methods: ["OPTIONS"]),
        ])
        #expect(try routes.lookup("/zzz", method: "GET") == RouteLookup(match: .notFound, mostSpecific: nil))
        let lookup = try routes.lookup("/a/b", method: "PUT")
        #expect(lookup == RouteLookup(match: .methodNotAllowed([.get, .head, .post, .patch, .delete]), mostSpecific: 0))
        guard case .methodNotAllowed(let allowed) = lookup.match else { return }
        #expect(routes.allowHeaderValue(for: allowed) == "GET, HEAD, POST, DELETE, PATCH")
        #expect(try routes.lookup("/a/q/r", method: "GET") == RouteLookup(match: .methodNotAllowed([.delete]), mostSpecific: 2))
        #expect(try routes.lookup("/c", method: "GET") == RouteLookup(match: .methodNotAllowed([.options]), mostSpecific: 3))
    }

    @Test("HEAD is allowed wherever GET is, and listed in Allow then")
    func headViaGet() throws {
        let routes = try RouteTable([
            try entry("/g", methods: ["GET"]),
            try entry("/p", methods: ["POST"]),
        ])
        #expect(try routes.route("/g", method: "HEAD") == 0)
        #expect(routes.methods(ofRoute: 0) == [.get, .head])
        #expect(try routes.lookup("/p", method: "HEAD") == RouteLookup(match: .methodNotAllowed([.post]), mostSpecific: 1))
        #expect(routes.allowHeaderValue(for: [.get, .head]) == "GET, HEAD")
    }

    @Test("a route naming HEAD itself takes HEAD from a GET route of the same pattern")
    func explicitHead() throws {
        let routes = try RouteTable([
            try entry("/h", methods: ["GET"]),
            try entry("/h", methods: ["HEAD"]),
        ])
        #expect(try routes.route("/h", method: "HEAD") == 1)
        #expect(try routes.route("/h", method: "GET") == 0)
        #expect(routes.methods(ofRoute: 0) == [.get])
    }

    @Test("no methods means every method, tokens no route names included")
    func allMethods() throws {
        let routes = try RouteTable([try entry("/any")])
        for method in ["GET", "HEAD", "POST", "OPTIONS", "CONNECT", "TRACE", "BREW", "purge"] {
            #expect(try routes.route("/any", method: method) == 0)
        }
    }

    @Test("other method tokens get their own bits and compare case-sensitively")
    func extensionMethods() throws {
        let routes = try RouteTable([
            try entry("/cache", methods: ["PURGE"]),
            try entry("/dav", methods: ["PROPFIND", "MKCOL", "GET"]),
        ])
        #expect(try routes.route("/cache", method: "PURGE") == 0)
        #expect(try routes.route("/dav", method: "MKCOL") == 1)
        let purge = routes.methodSet(named: "PURGE")
        #expect(purge.rawValue.nonzeroBitCount == 1)
        #expect(purge.isDisjoint(with: [.get, .head, .post, .put, .delete, .connect, .options, .trace, .patch, .anyMethod]))
        #expect(routes.methodSet(named: "BREW").isEmpty)
        #expect(try routes.lookup("/cache", method: "purge") == RouteLookup(match: .methodNotAllowed(purge), mostSpecific: 0))
        #expect(try routes.lookup("/cache", method: "BREW") == RouteLookup(match: .methodNotAllowed(purge), mostSpecific: 0))
        guard case .methodNotAllowed(let allowed) = try routes.lookup("/dav", method: "PUT").match else {
            Issue.record("expected 405")
            return
        }
        #expect(routes.allowHeaderValue(for: allowed) == "GET, HEAD, PROPFIND, MKCOL")
    }

    @Test("method names must be tokens", arguments: ["", "GE T", "GET\r\n", "GÉT", "(GET)", "GET/1"])
    func invalidMethod(name: String) throws {
        let route = try entry("/a", methods: [name])
        #expect(throws: RouteTableError.invalidMethod(name)) { try RouteTable([route]) }
    }

    @Test("at most MethodSet.extensionCapacity other methods per table")
    func methodCap() throws {
        let capacity = MethodSet.extensionCapacity
        #expect(capacity == 54)
        let full = (0..<capacity).map { "M\($0)" }
        let routes = try RouteTable([try entry("/a", methods: full), try entry("/b", methods: ["GET", "M0"])])
        #expect(try routes.route("/a", method: "M\(capacity - 1)") == 0)
        #expect(routes.methodNames(in: routes.methods(ofRoute: 1)) == ["GET", "HEAD", "M0"])
        let over = try entry("/b", methods: ["GET", "ONE-TOO-MANY"])
        #expect(throws: RouteTableError.tooManyMethods(limit: capacity, rejected: "ONE-TOO-MANY")) {
            try RouteTable([try entry("/a", methods: full), over])
        }
    }
}
