import Testing
import TollgateCore

@Suite struct ScopeRequirementTests {
    let universe = ScopeUniverse(
        scopes: ["tenants", "audit"],
        implications: [
            (scope: "admin.apps", implies: ["apps"]),
            (scope: "apps", implies: ["apps:read", "apps:write"]),
        ]
    )

    @Test func allOfNeedsEveryScopeAfterImplications() throws {
        let requirement = try ScopeRequirement(allOf: ["apps:read", "tenants"], anyOf: nil, in: universe)
        #expect(requirement.isSatisfied(by: universe.granted(by: ["apps:read", "tenants"])))
        #expect(requirement.isSatisfied(by: universe.granted(by: ["admin.apps", "tenants"])))
        #expect(!requirement.isSatisfied(by: universe.granted(by: ["admin.apps"])))
        #expect(!requirement.isSatisfied(by: universe.granted(by: ["tenants", "apps:write"])))
        #expect(!requirement.isSatisfied(by: universe.emptySet))
    }

    @Test func anyOfNeedsOneAlternative() throws {
        let requirement = try ScopeRequirement(allOf: nil, anyOf: ["apps:write", "audit"], in: universe)
        #expect(requirement.isSatisfied(by: universe.granted(by: ["audit"])))
        #expect(requirement.isSatisfied(by: universe.granted(by: ["apps"])))
        #expect(!requirement.isSatisfied(by: universe.granted(by: ["apps:read", "tenants"])))
        #expect(!requirement.isSatisfied(by: universe.emptySet))
    }

    @Test func noListsOrAnEmptyAllOfRequireNothing() throws {
        let unset = try ScopeRequirement(allOf: nil, anyOf: nil, in: universe)
        let empty = try ScopeRequirement(allOf: [], anyOf: nil, in: universe)
        for requirement in [unset, empty, ScopeRequirement.none] {
            #expect(requirement.rule == .none)
            #expect(requirement.isSatisfied(by: universe.emptySet))
            #expect(requirement.challengeScopes(granted: universe.emptySet) == "")
            #expect(requirement.summary == "none")
        }
    }

    @Test func invalidListsAreRefusedWithAReadableReason() {
        #expect(throws: ScopeRequirementError.bothAllOfAndAnyOf) {
            try ScopeRequirement(allOf: ["apps"], anyOf: ["audit"], in: universe)
        }
        #expect(throws: ScopeRequirementError.emptyAnyOf) {
            try ScopeRequirement(allOf: nil, anyOf: [], in: universe)
        }
        #expect(throws: ScopeRequirementError.unknownScope("nope")) {
            try ScopeRequirement(allOf: ["apps", "nope"], anyOf: nil, in: universe)
        }
        #expect(ScopeRequirementError.bothAllOfAndAnyOf.description.contains("any_scopes"))
    }

    @Test func compilesFromARouteConfig() throws {
        let route = RouteConfig(path: Located("/x"), upstream: Located("u"), anyScopes: [Located("audit"), Located("tenants")])
        let requirement = try ScopeRequirement(route: route, in: universe)
        #expect(requirement.summary == "any of: audit tenants")
        #expect(requirement.isSatisfied(by: universe.granted(by: ["tenants"])))
        var both = route
        both.scopes = [Located("apps")]
        #expect(throws: ScopeRequirementError.bothAllOfAndAnyOf) { try ScopeRequirement(route: both, in: universe) }
    }

    @Test func challengeListsAllOfWithMissingFirstInWrittenOrder() throws {
        let requirement = try ScopeRequirement(allOf: ["tenants", "apps:read", "audit", "tenants"], anyOf: nil, in: universe)
        #expect(requirement.names == ["tenants", "apps:read", "audit"])
        let granted = universe.granted(by: ["apps"])
        #expect(requirement.challengeScopes(granted: granted) == "tenants audit apps:read")
        #expect(requirement.missing(from: granted) == ["tenants", "audit"])
        #expect(requirement.challengeScopes(granted: universe.emptySet) == "tenants apps:read audit")
    }

    @Test func challengeListsEveryAnyOfAlternative() throws {
        let requirement = try ScopeRequirement(allOf: nil, anyOf: ["audit", "apps:write"], in: universe)
        #expect(requirement.challengeScopes(granted: universe.granted(by: ["tenants"])) == "audit apps:write")
        #expect(requirement.missing(from: universe.granted(by: ["tenants"])) == ["audit", "apps:write"])
        #expect(requirement.missing(from: universe.granted(by: ["apps"])).isEmpty)
    }

    @Test func explainShowsTheImplicationChainThatGrantedEachScope() throws {
        let requirement = try ScopeRequirement(allOf: ["apps:read", "tenants", "audit"], anyOf: nil, in: universe)
        let grants = universe.explain(requirement, tokenScopes: ["openid", "admin.apps", "tenants"])
        #expect(grants.map(\.required) == ["apps:read", "tenants", "audit"])
        #expect(grants[0].chain == ["admin.apps", "apps", "apps:read"])
        #expect(grants[0].tokenScope == "admin.apps")
        #expect(grants[0].description == "apps:read: granted by token scope admin.apps via admin.apps -> apps -> apps:read")
        #expect(grants[1].chain == ["tenants"])
        #expect(grants[1].description == "tenants: held by the token")
        #expect(!grants[2].isGranted)
        #expect(grants[2].description == "audit: not granted")
    }

    @Test func explainPrefersTheShortestChainAndSurvivesCycles() throws {
        let cyclic = ScopeUniverse(implications: [
            (scope: "a", implies: ["b"]),
            (scope: "b", implies: ["c"]),
            (scope: "c", implies: ["a"]),
            (scope: "x", implies: ["c"]),
        ])
        let requirement = try ScopeRequirement(allOf: ["c"], anyOf: nil, in: cyclic)
        #expect(cyclic.explain(requirement, tokenScopes: ["a", "x"])[0].chain == ["x", "c"])
        #expect(cyclic.explain(requirement, tokenScopes: ["a"])[0].chain == ["a", "b", "c"])
        #expect(cyclic.explain(requirement, tokenScopes: ["c", "a"])[0].chain == ["c"])
    }
}
