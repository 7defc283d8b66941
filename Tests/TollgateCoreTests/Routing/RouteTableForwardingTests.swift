import Testing
@testable import TollgateCore

@Suite("RouteTable strip_prefix")
struct RouteTableForwardingTests {
    let routes: RouteTable

    init() throws {
        routes = try RouteTable([
            try entry("/api/**", stripPrefix: "/api"),              // 0
            try entry("/svc/v1/{id}", stripPrefix: "/svc/v1"),      // 1
            try entry("/keep/**"),                                  // 2
            try entry("/root/**", stripPrefix: "/"),                // 3
            try entry("/caf%C3%A9/**", stripPrefix: "/caf%c3%a9"),  // 4
        ])
    }

    private func forwarded(_ target: String) throws -> (path: String, query: String?) {
        let checked = try PathGuard.check(target)
        let index = try #require(try routes.route(target))
        return (String(routes.forwardPath(for: index, target: checked)), checked.query.map(String.init))
    }

    @Test("the prefix's segments are removed and the rest is kept byte for byte", arguments: [
        ("/api/users/1", "/users/1", nil),
        ("/api/users/1?x=%2F", "/users/1", "x=%2F"),
        ("/api/a%20b//c/", "/a%20b//c/", nil),
        ("/svc/v1/42", "/42", nil),
        ("/keep/x", "/keep/x", nil),
        ("/root/x", "/root/x", nil),
        ("/%61pi/x", "/x", nil),
        ("/caf%C3%A9/menu", "/menu", nil),
    ] as [(String, String, String?)])
    func stripped(target: String, path: String, query: String?) throws {
        let result = try forwarded(target)
        #expect(result.path == path)
        #expect(result.query == query)
    }

    @Test("stripping the whole path leaves '/'", arguments: ["/api", "/api?x=1", "/api/"])
    func strippedToRoot(target: String) throws {
        #expect(try forwarded(target).path == "/")
    }

    @Test("a path that does not start with the prefix is forwarded unchanged")
    func notPrefixed() throws {
        let target = try PathGuard.check("/other/x")
        #expect(routes.forwardPath(for: 0, target: target) == "/other/x")
        let root = try PathGuard.check("/")
        #expect(routes.forwardPath(for: 1, target: root) == "/")
        let short = try PathGuard.check("/svc")
        #expect(routes.forwardPath(for: 1, target: short) == "/svc")
    }
}
