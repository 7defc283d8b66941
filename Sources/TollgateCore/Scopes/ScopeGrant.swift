/// How a token came to hold (or not) one scope a route requires, so that
/// `tollgate explain` can show operators which token scope granted it through
/// which `scopes.implies` chain.
public struct ScopeGrant: Sendable, Hashable, CustomStringConvertible {
    /// The scope the route requires.
    public let required: String
    /// From the token's own scope to `required`, one implication per step:
    /// `[admin.apps, apps, apps:read]`; `[required]` when the token holds it
    /// directly; empty when the token is not granted it.
    public let chain: [String]

    public init(required: String, chain: [String]) {
        self.required = required
        self.chain = chain
    }

    public var isGranted: Bool { !chain.isEmpty }

    /// The token scope that grants `required`, if any.
    public var tokenScope: String? { chain.first }

    public var description: String {
        switch chain.count {
        case 0: "\(required): not granted"
        case 1: "\(required): held by the token"
        default: "\(required): granted by token scope \(chain[0]) via " + chain.joined(separator: " -> ")
        }
    }
}

extension ScopeUniverse {
    /// For each scope `requirement` names (in written order), the shortest
    /// implication chain from one of `tokenScopes` to it. When several token
    /// scopes grant it equally directly, the one earliest in the token wins.
    public func explain(_ requirement: ScopeRequirement, tokenScopes: some Sequence<String>) -> [ScopeGrant] {
        var parent: [ScopeID: ScopeID?] = [:]
        var frontier: [ScopeID] = []
        for scope in tokenScopes {
            guard let id = id(of: scope), parent[id] == nil else { continue }
            parent[id] = .some(nil)
            frontier.append(id)
        }
        while !frontier.isEmpty {
            var next: [ScopeID] = []
            for scope in frontier {
                for implied in directlyImplied(by: scope) where parent[implied] == nil {
                    parent[implied] = .some(scope)
                    next.append(implied)
                }
            }
            frontier = next
        }
        return requirement.names.map { name in
            guard let target = id(of: name), parent[target] != nil else {
                return ScopeGrant(required: name, chain: [])
            }
            var chain = [target]
            while case .some(.some(let previous)) = parent[chain[chain.count - 1]] {
                chain.append(previous)
            }
            return ScopeGrant(required: name, chain: chain.reversed().map { self.name(of: $0) })
        }
    }
}
