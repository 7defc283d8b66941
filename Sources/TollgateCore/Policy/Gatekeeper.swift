/// Walks SPEC's order of checks for one request against one snapshot and
/// returns the decision; the server only carries it out. It reads no clock
/// (`now` is given) and touches no socket.
struct Gatekeeper {
    let snapshot: GatewaySnapshot
    let state: VerificationState
    let now: Int64

    static let challenge = HeaderField(name: "WWW-Authenticate", value: "Bearer realm=\"tollgate\"")

    func decide(_ facts: RequestFacts) -> GateDecision {
        // 2. Path safety.
        let target: RequestTarget
        do {
            target = try PathGuard.check(facts.target)
        } catch {
            return .reject(Rejection(.invalidRequest, "unsafe request path: \(error.reason)"))
        }

        // 3. Route lookup by host and path; it picks the CORS policy.
        let table = snapshot.routeTable
        let method = facts.isPreflight ? facts.accessControlRequestMethod ?? facts.method : facts.method
        let lookup = table.lookup(host: facts.host, target: target, method: method)
        let policyRoute: Int? =
            if case .route(let index) = lookup.match { index } else { lookup.mostSpecific }
        let cors = policyRoute.map { snapshot.routes[$0].cors } ?? snapshot.globalCORS

        // 4. Preflights are answered here: 204 or 403, never 401/404/405.
        if facts.isPreflight, let origin = facts.origin, let requested = facts.accessControlRequestMethod {
            switch cors.preflight(origin: origin, requestMethod: requested, requestHeaders: facts.accessControlRequestHeaders) {
            case .allowed(let headers):
                return .answer(status: 204, headers: headers)
            case .denied(let denial):
                return .reject(Rejection(.originNotAllowed, "preflight refused: \(denial)"))
            }
        }

        // The CORS verdict on the origin: its headers go on every answer to an
        // allowed origin, errors included; a refusal waits for step 6.
        var corsHeaders: [HeaderField] = []
        var originRefusal: CORSDenial?
        if let origin = facts.origin {
            switch cors.check(origin: origin, requestScheme: facts.scheme, requestHost: facts.host) {
            case .allowed(let headers): corsHeaders = headers.all
            case .sameOrigin: break
            case .denied(let denial): originRefusal = denial
            }
        }
        func reject(_ rejection: Rejection) -> GateDecision {
            var rejection = rejection
            rejection.headers += corsHeaders
            return .reject(rejection)
        }

        // 5. 404 / 405.
        let routeIndex: Int
        switch lookup.match {
        case .notFound:
            return reject(Rejection(.notFound, "no route for this path"))
        case .methodNotAllowed(let allowed):
            return reject(Rejection(
                .methodNotAllowed,
                "no route for this path allows \(facts.method)",
                headers: [HeaderField(name: "Allow", value: table.allowHeaderValue(for: allowed))]
            ))
        case .route(let index):
            routeIndex = index
        }
        let route = snapshot.routes[routeIndex]

        // 6. The origin against the CORS policy: refused without CORS headers.
        if let originRefusal {
            return .reject(Rejection(.originNotAllowed, "\(originRefusal)"))
        }

        // 7. The token.
        var principal: Principal?
        if route.auth != .none {
            switch authenticate(BearerCredential(facts.authorization), route: route) {
            case .success(let verified): principal = verified
            case .failure(let rejection): return reject(rejection)
            }
        }

        if let principal {
            // 8. The token's client against its own origin allowlist.
            if let origin = facts.origin, !snapshot.clientOrigins.isAllowed(origin: origin, clientId: principal.clientID) {
                return .reject(Rejection(.originNotAllowed, "origin '\(origin)' is not allowed for this token's client"))
            }
            // 9. Scopes.
            if !route.requirement.isSatisfied(by: principal.granted) {
                let required = route.requirement.challengeScopes(granted: principal.granted)
                return reject(Rejection(
                    .insufficientScope,
                    "the token lacks the scope this route requires",
                    headers: [HeaderField(
                        name: "WWW-Authenticate",
                        value: "Bearer realm=\"tollgate\", error=\"insufficient_scope\", scope=\"\(required)\""
                    )]
                ))
            }
        }

        // 10. Forward.
        var upstreamTarget = String(table.forwardPath(for: routeIndex, target: target))
        if let query = target.query {
            upstreamTarget += "?"
            upstreamTarget += query
        }
        return .forward(Admission(
            route: routeIndex,
            upstream: route.upstream,
            upstreamTarget: upstreamTarget,
            identityHeaders: principal?.identityHeaders ?? [],
            responseHeaders: corsHeaders,
            principal: principal
        ))
    }

    /// Step 7: no token (401 where required), a malformed Authorization (400),
    /// or a token verified from the cache or against its issuer's keys.
    private func authenticate(_ credential: BearerCredential, route: CompiledRoute) -> Result<Principal?, Rejection> {
        let token: String
        switch credential {
        case .absent:
            guard route.auth == .required else { return .success(nil) }
            return .failure(Rejection(.unauthorized, "this route requires a bearer token", headers: [Self.challenge]))
        case .invalid(let reason):
            return .failure(Rejection(.invalidRequest, reason))
        case .token(let value):
            token = String(value)
        }
        let principal: Principal
        if let cached = state.cache.lookup(token, now: now, keySet: state.keySet(named:)) {
            principal = cached
        } else {
            switch verify(token) {
            case .success(let verified):
                principal = verified
                if let keys = state.keySets[verified.issuerIndex] {
                    state.cache.insert(token, verified, keySet: keys, now: now)
                }
            case .failure(let rejection):
                return .failure(rejection)
            }
        }
        if let allowed = route.allowedIssuers, !allowed.contains(principal.issuerIndex) {
            return .failure(Self.invalidToken("the token's issuer is not accepted on this route"))
        }
        return .success(principal)
    }

    /// A cache miss: parse, pick the issuer by `iss`, verify against its keys.
    private func verify(_ token: String) -> Result<Principal, Rejection> {
        guard CompactJWS.isJWTShaped(token) else {
            return .failure(Self.invalidToken("the token is not a JWT and no introspection issuer can verify it"))
        }
        let jwt: JWT
        do {
            jwt = try JWT(parsing: token)
        } catch {
            return .failure(Self.invalidToken(error.description))
        }
        guard let iss = jwt.unverifiedIssuer, let issuerIndex = snapshot.issuerIndexByIss[iss],
              let verifier = snapshot.issuers[issuerIndex].verifier
        else {
            return .failure(Self.invalidToken(TokenError.wrongIssuer.description))
        }
        guard let keys = state.keySets[issuerIndex] else {
            return .failure(Rejection(
                .temporarilyUnavailable,
                "the keys of the token's issuer have not been fetched yet",
                headers: [HeaderField(name: "Retry-After", value: "1")]
            ))
        }
        let verified: VerifiedToken
        do {
            verified = try verifier.verify(jwt, keys: keys, now: now)
        } catch {
            return .failure(Self.invalidToken(error.description))
        }
        var identity: [HeaderField] = []
        for (header, value) in zip(snapshot.config.forward.headers, verified.forwardedClaims) {
            if let value { identity.append(HeaderField(name: header.name.value, value: value)) }
        }
        return .success(Principal(
            token: verified,
            issuerIndex: issuerIndex,
            granted: snapshot.scopes.granted(by: verified.scopes),
            identityHeaders: identity
        ))
    }

    static func invalidToken(_ description: String) -> Rejection {
        Rejection(
            .invalidToken,
            description,
            headers: [HeaderField(
                name: "WWW-Authenticate",
                value: "Bearer realm=\"tollgate\", error=\"invalid_token\", error_description=\"\(description)\""
            )]
        )
    }
}
