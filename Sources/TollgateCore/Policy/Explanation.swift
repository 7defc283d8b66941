/// `tollgate explain`: what the gateway would do with one request and why,
/// step by step in SPEC's order — the route, the CORS verdict, the token, the
/// scopes (with the `scopes.implies` chain that granted each), the decision.
/// The decision is the gateway's own `GatewaySnapshot.decide`, not a copy.
public struct Explanation: Sendable {
    public let lines: [String]
    /// The request would be forwarded (or, a preflight, answered).
    public let admitted: Bool

    /// `assumed` stands in for a token (`--scopes`); otherwise the request's own
    /// `Authorization` (from `--token`) is verified with the keys in `state`.
    public init(snapshot: GatewaySnapshot, facts: RequestFacts, state: VerificationState, now: Int64, assumed: Principal? = nil) {
        var lines: [String] = []
        func add(_ label: String, _ text: String) {
            lines.append(label.padding(toLength: 10, withPad: " ", startingAt: 0) + text)
        }
        add("request", "\(facts.method) \(facts.target)" + (facts.host.map { "  host \($0)" } ?? "")
            + (facts.origin.map { "  origin \($0)" } ?? ""))

        let decision = assumed.map { snapshot.decide(facts, state: state, now: now, assuming: $0) }
            ?? snapshot.decide(facts, state: state, now: now)

        var route: CompiledRoute?
        if let target = try? PathGuard.check(facts.target) {
            let lookup = snapshot.routeTable.lookup(host: facts.host, target: target, method: facts.method)
            switch lookup.match {
            case .route(let index):
                let compiled = snapshot.routes[index]
                route = compiled
                let config = snapshot.config.routes[index]
                let methods = snapshot.routeTable.methodNames(in: snapshot.routeTable.methods(ofRoute: index))
                add("route", "\(compiled.name): \(config.path.value) [\(methods.isEmpty ? "*" : methods.joined(separator: ","))]"
                    + " -> upstream \(snapshot.config.upstreams[compiled.upstream].name.value), auth \(compiled.auth.rawValue)")
            case .methodNotAllowed(let allowed):
                add("route", "routes match the path but none allows \(facts.method) (allowed: \(snapshot.routeTable.allowHeaderValue(for: allowed)))")
            case .notFound:
                add("route", "no route matches this host and path")
            }
        } else {
            add("route", "not looked up: the path is unsafe")
        }

        if let origin = facts.origin {
            let policy = route?.cors ?? snapshot.globalCORS
            switch policy.check(origin: origin, requestScheme: facts.scheme, requestHost: facts.host) {
            case .allowed: add("cors", "origin \(origin) is allowed")
            case .sameOrigin: add("cors", "origin \(origin) is the request's own origin")
            case .denied(let denial): add("cors", "\(denial)")
            }
        }

        let principal = assumed ?? Self.verifiedPrincipal(facts, state: state, now: now)
        if let principal {
            let who = [principal.subject.map { "subject \($0)" }, principal.clientID.map { "client \($0)" }].compactMap { $0 }
            add("token", (assumed == nil ? "verified, issuer \(principal.issuer)" : "assumed")
                + (who.isEmpty ? "" : ", " + who.joined(separator: ", "))
                + ", scopes: \(principal.tokenScopes.isEmpty ? "(none)" : principal.tokenScopes.joined(separator: " "))")
        } else if case .one = facts.authorization {
            add("token", "not accepted (see the decision)")
        } else if route.map({ $0.auth != .none }) ?? false {
            add("token", "none presented")
        }

        if let route, !route.requirement.names.isEmpty {
            add("scopes", route.requirement.summary)
            if let principal {
                for grant in snapshot.scopes.explain(route.requirement, tokenScopes: principal.tokenScopes) {
                    add("", "\(grant)")
                }
            }
        }

        switch decision {
        case .forward, .answer: admitted = true
        default: admitted = false
        }
        switch decision {
        case .forward(let admission):
            add("decision", "admit: forward to upstream \(snapshot.config.upstreams[admission.upstream].name.value) as \(admission.upstreamTarget)")
        case .reject(let rejection):
            add("decision", "\(rejection.status) \(rejection.code.rawValue): \(rejection.description)")
        case .answer(let status, _):
            add("decision", "\(status): the gateway answers the preflight itself")
        case .awaitKeys:
            add("decision", "the token's key id is unknown; the gateway would refetch its issuer's keys, then decide")
        case .introspect:
            add("decision", "an opaque token: the gateway would ask the introspection endpoint, then decide")
        case .checkReplay:
            add("decision", "a valid DPoP proof: the gateway would record its jti in the shared replay store, then decide")
        case .verifyLater:
            add("decision", "a token not in the cache: the gateway would verify it with its event loop's other misses, then decide")
        }
        self.lines = lines
    }

    /// The principal `decide` left in the cache for the request's token, if it verified.
    private static func verifiedPrincipal(_ facts: RequestFacts, state: VerificationState, now: Int64) -> Principal? {
        guard let token = AuthorizationCredential(facts.authorization).token else { return nil }
        return state.cache.lookup(token, now: now, keySet: state.keySet(of:))
    }
}
