/// What a route demands of a token's scopes, compiled against one
/// `ScopeUniverse`: nothing, all of a set (`scopes:`), or at least one of a set
/// (`any_scopes:`). The per-request check is one pass of AND/compare over the
/// set's words and never allocates.
public struct ScopeRequirement: Sendable, Hashable {
    /// The compiled rule the check evaluates.
    public enum Rule: Sendable, Hashable {
        case none
        case allOf(ScopeSet)
        case anyOf(ScopeSet)
    }

    public let rule: Rule
    /// The required scopes as the route writes them (first occurrence of each).
    public let names: [String]
    /// `names`' ids, in the same order.
    private let ids: [ScopeID]

    /// No scope required.
    public static let none = ScopeRequirement(rule: .none, names: [], ids: [])

    private init(rule: Rule, names: [String], ids: [ScopeID]) {
        self.rule = rule
        self.names = names
        self.ids = ids
    }

    /// Compiles a route's `scopes` (`allOf`) or `any_scopes` (`anyOf`).
    /// An empty `allOf` requires nothing; an empty `anyOf` could never be
    /// satisfied and is refused, as is setting both lists or naming a scope
    /// the universe does not know.
    public init(
        allOf: [String]?,
        anyOf: [String]?,
        in universe: ScopeUniverse
    ) throws(ScopeRequirementError) {
        switch (allOf, anyOf) {
        case (nil, nil):
            self = .none
        case (.some, .some):
            throw .bothAllOfAndAnyOf
        case (.some(let required), nil):
            let (names, ids) = try Self.intern(required, in: universe)
            self = ids.isEmpty ? .none : ScopeRequirement(rule: .allOf(ScopeSet(ids, capacity: universe.count)), names: names, ids: ids)
        case (nil, .some(let alternatives)):
            guard !alternatives.isEmpty else { throw .emptyAnyOf }
            let (names, ids) = try Self.intern(alternatives, in: universe)
            self = ScopeRequirement(rule: .anyOf(ScopeSet(ids, capacity: universe.count)), names: names, ids: ids)
        }
    }

    /// Compiles `route.scopes` / `route.anyScopes` against the config's universe.
    public init(route: RouteConfig, in universe: ScopeUniverse) throws(ScopeRequirementError) {
        try self.init(allOf: route.scopes?.map(\.value), anyOf: route.anyScopes?.map(\.value), in: universe)
    }

    /// Whether a token granted `granted` (closures already applied) may pass.
    @inline(__always)
    public func isSatisfied(by granted: ScopeSet) -> Bool {
        switch rule {
        case .none: true
        case .allOf(let required): granted.isSuperset(of: required)
        case .anyOf(let alternatives): alternatives.intersects(granted)
        }
    }

    /// The required scopes the token lacks: for all-of, each missing one in
    /// written order; for any-of, every alternative when none is held.
    public func missing(from granted: ScopeSet) -> [String] {
        switch rule {
        case .none: []
        case .allOf: zip(names, ids).filter { !granted.contains($0.1) }.map(\.0)
        case .anyOf(let alternatives): alternatives.intersects(granted) ? [] : names
        }
    }

    /// The `scope="..."` value of a 403 `insufficient_scope` challenge: every
    /// scope the route requires, space-separated — for all-of the missing ones
    /// first, then the rest, each group in written order; for any-of all
    /// alternatives as written.
    public func challengeScopes(granted: ScopeSet) -> String {
        switch rule {
        case .none:
            return ""
        case .allOf:
            let missing = zip(names, ids).filter { !granted.contains($0.1) }.map(\.0)
            let held = zip(names, ids).filter { granted.contains($0.1) }.map(\.0)
            return (missing + held).joined(separator: " ")
        case .anyOf:
            return names.joined(separator: " ")
        }
    }

    /// The requirement as operators read it: `all of: a b`, `any of: a b`, `none`.
    public var summary: String {
        switch rule {
        case .none: "none"
        case .allOf: "all of: " + names.joined(separator: " ")
        case .anyOf: "any of: " + names.joined(separator: " ")
        }
    }

    private static func intern(_ required: [String], in universe: ScopeUniverse) throws(ScopeRequirementError) -> ([String], [ScopeID]) {
        var names: [String] = []
        var ids: [ScopeID] = []
        for name in required {
            guard let id = universe.id(of: name) else { throw .unknownScope(name) }
            if !ids.contains(id) {
                names.append(name)
                ids.append(id)
            }
        }
        return (names, ids)
    }
}

/// Why a route's scope lists cannot be compiled.
public enum ScopeRequirementError: Error, Sendable, Hashable, CustomStringConvertible {
    case bothAllOfAndAnyOf
    case emptyAnyOf
    /// The universe was not built from the config the route belongs to.
    case unknownScope(String)

    public var description: String {
        switch self {
        case .bothAllOfAndAnyOf:
            "a route sets both 'scopes' (all of) and 'any_scopes' (any of); choose one"
        case .emptyAnyOf:
            "'any_scopes' is empty, so no token could ever satisfy it; remove it or list at least one scope"
        case .unknownScope(let name):
            "scope '\(name)' is not in this configuration's scope universe"
        }
    }
}
