/// Walks SPEC's order of checks for one request against one snapshot and
/// returns the decision; the server only carries it out. It reads no clock
/// and touches no socket.
struct Gatekeeper {
    let snapshot: GatewaySnapshot

    static let challenge = Rejection.Header("WWW-Authenticate", "Bearer realm=\"tollgate\"")

    func decide(_ facts: RequestFacts) -> GateDecision {
        let target: RequestTarget
        do {
            target = try PathGuard.check(facts.target)
        } catch {
            return .reject(Rejection(.invalidRequest, "unsafe request path: \(error.reason)"))
        }
        let table = snapshot.routeTable
        let routeIndex: Int
        switch table.lookup(host: facts.host, target: target, method: facts.method).match {
        case .notFound:
            return .reject(Rejection(.notFound, "no route for this path"))
        case .methodNotAllowed(let allowed):
            return .reject(Rejection(
                .methodNotAllowed,
                "no route for this path allows \(facts.method)",
                headers: [Rejection.Header("Allow", table.allowHeaderValue(for: allowed))]
            ))
        case .route(let index):
            routeIndex = index
        }
        let route = snapshot.routes[routeIndex]
        if route.auth != .none, let rejection = checkToken(BearerCredential(facts.authorization), auth: route.auth) {
            return .reject(rejection)
        }
        var upstreamTarget = String(table.forwardPath(for: routeIndex, target: target))
        if let query = target.query {
            upstreamTarget += "?"
            upstreamTarget += query
        }
        return .forward(Admission(route: routeIndex, upstream: route.upstream, upstreamTarget: upstreamTarget))
    }

    /// Token presence for `auth: required | optional`. No token verifier is
    /// wired in yet, so a presented token is never accepted: deny by default.
    private func checkToken(_ credential: BearerCredential, auth: AuthMode) -> Rejection? {
        switch credential {
        case .absent:
            guard auth == .required else { return nil }
            return Rejection(.unauthorized, "this route requires a bearer token", headers: [Self.challenge])
        case .invalid(let reason):
            return Rejection(.invalidRequest, reason)
        case .token:
            let description = "no issuer can verify this token"
            return Rejection(.invalidToken, description, headers: [Self.invalidTokenChallenge(description)])
        }
    }

    static func invalidTokenChallenge(_ description: String) -> Rejection.Header {
        Rejection.Header(
            "WWW-Authenticate",
            "Bearer realm=\"tollgate\", error=\"invalid_token\", error_description=\"\(description)\""
        )
    }
}
