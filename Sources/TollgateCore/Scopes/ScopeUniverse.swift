/// Every scope a configuration names (in routes' `scopes`/`any_scopes` and in
/// `scopes.implies`), interned to small integer ids, with `scopes.implies`
/// closed transitively: for each scope, the `ScopeSet` of everything it grants,
/// itself included.
///
/// Implications may form cycles (`a: [b]`, `b: [a]` simply makes `a` and `b`
/// equivalent) and diamonds; both are harmless. Ids are valid for this universe
/// only: a reload builds a new universe, and sets from the old one must not be
/// reused (the token cache starts empty with each config).
public struct ScopeUniverse: Sendable {
    /// Scope names by id, in first-seen order.
    public let names: [String]
    private let idsByName: [Substring: ScopeID]
    /// `scopes.implies` as written: scope id → the ids it names directly.
    private let directImplications: [[ScopeID]]
    /// scope id → everything it grants, transitively, itself included.
    private let closures: [ScopeSet]

    /// The universe of a configuration: implication keys and values first, in
    /// file order, then the scopes routes require.
    public init(config: GatewayConfig) {
        let implications = config.scopes.implies.map { (scope: $0.scope.value, implies: $0.implies.map(\.value)) }
        let routeScopes = config.routes.flatMap { route in
            (route.scopes ?? []).map(\.value) + (route.anyScopes ?? []).map(\.value)
        }
        self.init(scopes: routeScopes, implications: implications)
    }

    /// A universe from plain lists: the names in `implications` (keys, then
    /// values) and in `scopes`, interned in that order; duplicates are fine.
    public init(scopes: [String] = [], implications: [(scope: String, implies: [String])] = []) {
        var names: [String] = []
        var ids: [Substring: ScopeID] = [:]
        func intern(_ name: String) -> ScopeID {
            if let id = ids[name[...]] { return id }
            let id = ScopeID(names.count)
            names.append(name)
            ids[name[...]] = id
            return id
        }
        var edges: [(from: ScopeID, to: ScopeID)] = []
        for implication in implications {
            let from = intern(implication.scope)
            for implied in implication.implies {
                edges.append((from, intern(implied)))
            }
        }
        for scope in scopes { _ = intern(scope) }

        var direct = Array(repeating: [ScopeID](), count: names.count)
        for edge in edges where !direct[edge.from.rawValue].contains(edge.to) {
            direct[edge.from.rawValue].append(edge.to)
        }
        self.names = names
        self.idsByName = ids
        self.directImplications = direct
        self.closures = Self.closeTransitively(direct, capacity: names.count)
    }

    /// The number of distinct scopes.
    public var count: Int { names.count }

    /// An empty set sized for this universe: unions into it never reallocate.
    public var emptySet: ScopeSet { ScopeSet(capacity: names.count) }

    /// The id of a scope this universe knows; `nil` for any other string.
    public func id(of name: String) -> ScopeID? {
        idsByName[name[...]]
    }

    /// Looks up a piece of a token's claim without copying it.
    public func id(of name: Substring) -> ScopeID? {
        idsByName[name]
    }

    public func name(of id: ScopeID) -> String { names[id.rawValue] }

    /// Everything `id` grants: itself and all it implies, transitively.
    public func closure(of id: ScopeID) -> ScopeSet { closures[id.rawValue] }

    /// The scopes `id` names directly under `scopes.implies` (not closed).
    public func directlyImplied(by id: ScopeID) -> [ScopeID] { directImplications[id.rawValue] }

    /// The set of exactly these names (no implications); unknown names are ignored.
    public func set(of names: some Sequence<String>) -> ScopeSet {
        var set = emptySet
        for name in names {
            if let id = id(of: name) { set.insert(id) }
        }
        return set
    }

    /// What a token holding `tokenScopes` is granted: the union of their
    /// closures. Scopes no rule mentions are ignored (they grant nothing here
    /// and still travel verbatim in forwarded headers). Computed once per
    /// verified token and cached with it.
    public func granted(by tokenScopes: some Sequence<String>) -> ScopeSet {
        granted { grant in
            for scope in tokenScopes { grant(scope[...]) }
        }
    }

    /// `granted(by:)` for a verified token's scope claim, its pieces uncopied.
    public func granted(by tokenScopes: TokenScopes) -> ScopeSet {
        granted(tokenScopes.forEach)
    }

    /// `granted(by:)` for the pieces of a space-delimited claim, uncopied.
    public func granted(by tokenScopes: some Sequence<Substring>) -> ScopeSet {
        granted { grant in
            for scope in tokenScopes { grant(scope) }
        }
    }

    /// The union of the closures of the scopes `pieces` hands to its argument.
    private func granted(_ pieces: ((Substring) -> Void) -> Void) -> ScopeSet {
        var granted = emptySet
        pieces { scope in
            if let id = id(of: scope) { granted.formUnion(closures[id.rawValue]) }
        }
        return granted
    }

    /// The scopes that grant `id`, itself included: a token holding any one of
    /// them holds `id`. For `tollgate routes`.
    public func scopes(granting id: ScopeID) -> ScopeSet {
        var grantors = emptySet
        for (index, closure) in closures.enumerated() where closure.contains(id) {
            grantors.insert(ScopeID(index))
        }
        return grantors
    }

    /// The names of a set's members, in id order.
    public func names(of set: ScopeSet) -> [String] {
        set.map { names[$0.rawValue] }
    }

    private static func closeTransitively(_ direct: [[ScopeID]], capacity: Int) -> [ScopeSet] {
        direct.indices.map { start in
            var reached = ScopeSet(capacity: capacity)
            var pending = [ScopeID(start)]
            reached.insert(ScopeID(start))
            while let scope = pending.popLast() {
                for implied in direct[scope.rawValue] where !reached.contains(implied) {
                    reached.insert(implied)
                    pending.append(implied)
                }
            }
            return reached
        }
    }
}
