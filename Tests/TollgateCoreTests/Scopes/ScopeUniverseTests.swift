import Testing
import TollgateCore

@Suite struct ScopeUniverseTests {
    private func names(_ universe: ScopeUniverse, _ set: ScopeSet) -> Set<String> {
        Set(universe.names(of: set))
    }

    private func closure(_ universe: ScopeUniverse, _ name: String) -> Set<String> {
        names(universe, universe.closure(of: universe.id(of: name)!))
    }

    @Test func internsEachNameOnceInFirstSeenOrder() {
        let universe = ScopeUniverse(scopes: ["c", "a", "c"], implications: [(scope: "a", implies: ["b", "a"])])
        #expect(universe.names == ["a", "b", "c"])
        #expect(universe.count == 3)
        #expect(universe.id(of: "b") == ScopeID(1))
        #expect(universe.id(of: "B") == nil)
        #expect(universe.id(of: "d") == nil)
        #expect(universe.name(of: ScopeID(2)) == "c")
    }

    @Test func looksUpSubstringsOfAClaim() {
        let universe = ScopeUniverse(scopes: ["apps:read"])
        let claim = "openid apps:read profile"
        let pieces = claim.split(separator: " ")
        #expect(universe.id(of: pieces[1]) == universe.id(of: "apps:read"))
        #expect(universe.id(of: pieces[0]) == nil)
    }

    @Test func fromConfigInternsRoutesAndImplications() {
        let config = GatewayConfig(
            server: ServerConfig(listen: []),
            scopes: ScopesConfig(implies: [
                .init(scope: Located("admin.apps"), implies: [Located("apps")]),
                .init(scope: Located("apps"), implies: [Located("apps:read"), Located("apps:write")]),
            ]),
            routes: [
                RouteConfig(path: Located("/a"), upstream: Located("u"), scopes: [Located("apps:read"), Located("tenants")]),
                RouteConfig(path: Located("/b"), upstream: Located("u"), anyScopes: [Located("apps:write"), Located("audit")]),
                RouteConfig(path: Located("/c"), upstream: Located("u"), auth: Located(.none)),
            ]
        )
        let universe = ScopeUniverse(config: config)
        #expect(Set(universe.names) == ["admin.apps", "apps", "apps:read", "apps:write", "tenants", "audit"])
        #expect(universe.count == 6)
        #expect(closure(universe, "admin.apps") == ["admin.apps", "apps", "apps:read", "apps:write"])
    }

    @Test func closureIsTransitiveAndIncludesItself() {
        let universe = ScopeUniverse(implications: [
            (scope: "admin.apps", implies: ["apps"]),
            (scope: "apps", implies: ["apps:read", "apps:write"]),
            (scope: "apps:write", implies: ["apps:export"]),
        ])
        #expect(closure(universe, "admin.apps") == ["admin.apps", "apps", "apps:read", "apps:write", "apps:export"])
        #expect(closure(universe, "apps") == ["apps", "apps:read", "apps:write", "apps:export"])
        #expect(closure(universe, "apps:read") == ["apps:read"])
        #expect(closure(universe, "apps:export") == ["apps:export"])
    }

    @Test func cyclesMakeTheirMembersEquivalentAndTerminate() {
        let universe = ScopeUniverse(implications: [
            (scope: "a", implies: ["b"]),
            (scope: "b", implies: ["c"]),
            (scope: "c", implies: ["a", "d"]),
            (scope: "self", implies: ["self"]),
        ])
        for name in ["a", "b", "c"] {
            #expect(closure(universe, name) == ["a", "b", "c", "d"])
        }
        #expect(closure(universe, "d") == ["d"])
        #expect(closure(universe, "self") == ["self"])
    }

    @Test func diamondsGrantTheSharedScopeOnce() {
        let universe = ScopeUniverse(implications: [
            (scope: "top", implies: ["left", "right"]),
            (scope: "left", implies: ["bottom"]),
            (scope: "right", implies: ["bottom"]),
        ])
        let top = universe.closure(of: universe.id(of: "top")!)
        #expect(names(universe, top) == ["top", "left", "right", "bottom"])
        #expect(top.count == 4)
        #expect(closure(universe, "left") == ["left", "bottom"])
    }

    @Test func grantedIsTheUnionOfClosuresAndIgnoresUnknownScopes() {
        let universe = ScopeUniverse(scopes: ["tenants"], implications: [
            (scope: "apps", implies: ["apps:read"]),
            (scope: "users", implies: ["users:read"]),
        ])
        let granted = universe.granted(by: ["apps", "openid", "users:read", "", "APPS"])
        #expect(names(universe, granted) == ["apps", "apps:read", "users:read"])
        #expect(universe.granted(by: [String]()).isEmpty)
        #expect(universe.granted(by: ["profile", "email"]).isEmpty)
        let fromSubstrings = universe.granted(by: "apps  users".split(separator: " "))
        #expect(names(universe, fromSubstrings) == ["apps", "apps:read", "users", "users:read"])
    }

    @Test func scopesGrantingAScopeFollowImplicationsBackwards() {
        let universe = ScopeUniverse(implications: [
            (scope: "admin.apps", implies: ["apps"]),
            (scope: "apps", implies: ["apps:read"]),
            (scope: "viewer", implies: ["apps:read"]),
        ])
        let grantors = universe.scopes(granting: universe.id(of: "apps:read")!)
        #expect(names(universe, grantors) == ["admin.apps", "apps", "apps:read", "viewer"])
        #expect(names(universe, universe.scopes(granting: universe.id(of: "admin.apps")!)) == ["admin.apps"])
    }

    @Test func moreThanTwoHundredScopesSpanSeveralWords() {
        let chain = (0..<260).map { "s\($0)" }
        let implications = (0..<259).map { (scope: chain[$0], implies: [chain[$0 + 1]]) }
        let universe = ScopeUniverse(implications: implications)
        #expect(universe.count == 260)
        #expect(universe.emptySet.capacity >= 260)
        let granted = universe.granted(by: ["s200"])
        #expect(granted.count == 60)
        #expect(granted.contains(universe.id(of: "s259")!))
        #expect(!granted.contains(universe.id(of: "s199")!))
        #expect(universe.closure(of: universe.id(of: "s0")!).count == 260)
    }
}
