/// Walks SPEC's order of checks for one request against one snapshot and
/// returns the decision; the server only carries it out. It reads no clock
/// (`now` is given) and touches no socket: what only I/O can give (a key
/// refetch, an introspection answer) it asks for, and is called again with it.
struct Gatekeeper {
    let snapshot: GatewaySnapshot
    let state: VerificationState
    let now: Int64
    /// What the server brought back from an earlier `.awaitKeys` or `.introspect`.
    var resumption: GateResumption? = nil
    /// `tollgate explain --scopes`: the principal a presented token stands for, unverified.
    var assumedPrincipal: Principal? = nil
    /// A cache miss on a first decision answers `.verifyLater` instead of verifying.
    var defersVerification = false

    static let challenge = HeaderField(name: "WWW-Authenticate", value: "Bearer realm=\"tollgate\"")

    func decide(_ facts: RequestFacts) -> GateDecision {
        // 2. Path safety.
        let target: RequestTarget
        do {
            target = try PathGuard.check(facts.target)
        } catch {
            return .reject(Rejection(
                .invalidRequest,
                "unsafe request path: \(error.reason)",
                headers: snapshot.corsHeaders(origin: facts.origin, scheme: facts.scheme, host: facts.host)
            ))
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
        // What the decision tells the server beyond itself: the route and the token's check.
        var routeIndex: Int?
        var tokenCheck = TokenCheck.notChecked
        func traced(_ rejection: Rejection) -> GateDecision {
            var rejection = rejection
            rejection.route = routeIndex
            rejection.tokenCheck = tokenCheck
            return .reject(rejection)
        }
        func reject(_ rejection: Rejection) -> GateDecision {
            var rejection = rejection
            rejection.headers += corsHeaders
            return traced(rejection)
        }

        // 5. 404 / 405.
        let matched: Int
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
            matched = index
        }
        routeIndex = matched
        let route = snapshot.routes[matched]

        // 6. The origin against the CORS policy: refused without CORS headers.
        if let originRefusal {
            return traced(Rejection(.originNotAllowed, "\(originRefusal)"))
        }

        // 7. The token.
        var principal: Principal?
        if route.auth != .none {
            switch authenticate(AuthorizationCredential(facts.authorization), facts: facts, route: route) {
            case .accepted(let verified, let check):
                principal = verified
                tokenCheck = check
            case .refused(let rejection, let check):
                tokenCheck = check
                return reject(rejection)
            case .needs(let decision):
                return decision
            }
        }

        if let principal {
            // 8. The token's client against its own origin allowlist.
            if let origin = facts.origin, !snapshot.clientOrigins.isAllowed(origin: origin, clientId: principal.clientID) {
                return traced(Rejection(.originNotAllowed, "origin '\(origin)' is not allowed for this token's client"))
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
        // Without strip_prefix the target goes upstream exactly as received (no copy).
        var upstreamTarget = target.raw
        if snapshot.config.routes[matched].stripPrefix != nil {
            upstreamTarget = String(table.forwardPath(for: matched, target: target))
            if let query = target.query {
                upstreamTarget += "?"
                upstreamTarget += query
            }
        }
        return .forward(Admission(
            route: matched,
            upstream: route.upstream,
            upstreamTarget: upstreamTarget,
            identityHeaders: principal?.identityHeaders ?? [],
            responseHeaders: corsHeaders,
            principal: principal,
            tokenCheck: tokenCheck
        ))
    }

    /// Step 7's outcome: a principal (nil: no token on a route that admits
    /// none), a refusal, or a request for what only the server can get; the
    /// first two with the check that led there.
    enum Authentication {
        case accepted(Principal?, TokenCheck)
        case refused(Rejection, TokenCheck)
        case needs(GateDecision)
    }

    /// Step 7: no token (401 where required), a malformed Authorization (400),
    /// or a token verified from the cache, against its issuer's keys, or by
    /// introspection; then its binding to a DPoP key, with the request's proof.
    private func authenticate(_ credential: AuthorizationCredential, facts: RequestFacts, route: CompiledRoute) -> Authentication {
        let presented: Substring
        let usesDPoP: Bool
        switch credential {
        case .absent:
            guard route.auth == .required else { return .accepted(nil, .notChecked) }
            return .refused(Rejection(.unauthorized, "this route requires a bearer token", headers: [Self.challenge]), .notChecked)
        case .invalid(let reason):
            return .refused(Rejection(.invalidRequest, reason), .refused(.invalidRequest, cache: .none))
        case .bearer(let value):
            presented = value
            usesDPoP = false
        case .dpop(let value):
            presented = value
            usesDPoP = true
        }
        let principal: Principal
        var cacheUse = TokenCheck.CacheUse.miss
        if let assumedPrincipal {
            principal = assumedPrincipal
            cacheUse = .none
        } else if let cached = state.cache.lookup(presented, now: now, keySet: state.keySet(of:)) {
            principal = cached
            if case .replayChecked(let check, _)? = resumption { cacheUse = check.cacheUse } else { cacheUse = .hit }
        } else if defersVerification, tokenResumption == nil {
            // Before any parsing: an opaque token's turn leads to its introspection, as now would.
            return .needs(.verifyLater)
        } else if case let token = String(presented), CompactJWS.isJWTShaped(token) {
            switch verify(token) {
            case .accepted(let verified?, _):
                principal = verified
                if let keys = state.keySets[verified.issuerIndex] {
                    state.cache.insert(token, verified, keySet: keys, now: now)
                }
            case let other:
                return other
            }
        } else {
            switch introspected(String(presented)) {
            case .accepted(let verified?, _): principal = verified
            case let other: return other
            }
        }
        if let allowed = route.allowedIssuers, !allowed.contains(principal.issuerIndex) {
            return .refused(Self.invalidToken("the token's issuer is not accepted on this route"), .refused(.issuerNotAllowed, cache: cacheUse))
        }
        if assumedPrincipal == nil,
           let refusal = senderConstraint(of: principal, token: presented, usesDPoP: usesDPoP, facts: facts, cache: cacheUse) {
            return refusal
        }
        return .accepted(principal, .accepted(principal, cache: cacheUse))
    }

    /// A cache miss on a JWT: parse, pick the issuer by `iss`, verify against its keys.
    /// An unknown `kid` of a remote issuer asks for a refetch, once.
    private func verify(_ token: String) -> Authentication {
        let jwt: JWT
        do {
            jwt = try JWT(parsing: token, headers: state.headers)
        } catch {
            return .refused(Self.invalidToken(error.description), .refused(TokenCheck.Result(error)))
        }
        guard let iss = jwt.unverifiedIssuer, let issuerIndex = snapshot.issuerIndexByIss[iss],
              let verifier = snapshot.issuers[issuerIndex].verifier
        else {
            return .refused(Self.invalidToken(TokenError.wrongIssuer.description), .refused(.wrongIssuer))
        }
        guard let keys = state.keySets[issuerIndex] else {
            return .refused(Rejection(
                .temporarilyUnavailable,
                "the keys of the token's issuer have not been fetched yet",
                headers: [Self.retryAfter]
            ), .refused(.keysPending))
        }
        let verified: VerifiedToken
        do {
            verified = try verifier.verify(jwt, keys: keys, now: now)
        } catch .unknownKeyID where snapshot.issuers[issuerIndex].hasRemoteKeys && !resumedAfterKeys {
            return .needs(.awaitKeys(issuer: issuerIndex))
        } catch {
            return .refused(Self.invalidToken(error.description), .refused(TokenCheck.Result(error)))
        }
        var identity: [HeaderField] = []
        for (header, value) in zip(snapshot.config.forward.headers, verified.forwardedClaims) {
            if let value { identity.append(HeaderField(name: header.name.value, value: value)) }
        }
        let principal = Principal(
            token: verified,
            issuerIndex: issuerIndex,
            granted: snapshot.scopes.granted(by: verified.scopeClaim),
            identityHeaders: identity
        )
        return .accepted(principal, .accepted(principal, cache: .miss))
    }

    private var resumedAfterKeys: Bool {
        if case .keysAwaited? = tokenResumption { true } else { false }
    }

    /// What the token's verification was resumed with: a replay check carries
    /// the resumption of the decision that asked for it (an introspection answer).
    var tokenResumption: GateResumption? {
        if case .replayChecked(let check, _)? = resumption { check.earlier } else { resumption }
    }

    /// An opaque token: asked of the introspection issuer, then judged from its answer.
    private func introspected(_ token: String) -> Authentication {
        guard let issuerIndex = snapshot.introspectionIssuer else {
            return .refused(Self.invalidToken("the token is not a JWT and no introspection issuer can verify it"), .refused(.malformed))
        }
        switch tokenResumption {
        case .introspection(let result)?:
            return principal(from: result, issuerIndex: issuerIndex)
        case .introspectionFailed?:
            return .refused(Rejection(
                .temporarilyUnavailable,
                "the token could not be introspected; try again",
                headers: [Self.retryAfter]
            ), .refused(.introspectionFailed))
        case .keysAwaited?, .replayChecked?, .verificationTurn?, nil:
            return .needs(.introspect(token: token, issuer: issuerIndex))
        }
    }

    static let retryAfter = HeaderField(name: "Retry-After", value: "1")

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

extension GatewaySnapshot {
    /// The core's decision for one request, again: after the server carried out
    /// `.awaitKeys` or `.introspect` and brings back what it got.
    public func decide(_ facts: RequestFacts, state: VerificationState, now: Int64, resuming: GateResumption) -> GateDecision {
        Gatekeeper(snapshot: self, state: state, now: now, resumption: resuming).decide(facts)
    }
}

extension GatewaySnapshot {
    /// The decision as if the request's bearer token stood for `principal`
    /// (`tollgate explain --scopes`): every other check runs as in the gateway.
    public func decide(_ facts: RequestFacts, state: VerificationState, now: Int64, assuming principal: Principal) -> GateDecision {
        Gatekeeper(snapshot: self, state: state, now: now, assumedPrincipal: principal).decide(facts)
    }
}

extension GatewaySnapshot {
    /// The global policy's CORS headers for an allowed `origin`, for answers
    /// given before any route is looked up (400, 413, 414, 431), so that a
    /// browser client can read them too.
    public func corsHeaders(origin: String?, scheme: String, host: String?) -> [HeaderField] {
        guard let origin, case .allowed(let headers) = globalCORS.check(origin: origin, requestScheme: scheme, requestHost: host) else {
            return []
        }
        return headers.all
    }
}

extension CompiledIssuer {
    /// Whether the issuer's keys are fetched (`jwks_uri`, `discovery_url`), so an unknown `kid` may be refetched.
    public var hasRemoteKeys: Bool {
        switch config.keySource?.value {
        case .jwksURI?, .discoveryURL?: true
        case .jwksFile?, nil: false
        }
    }
}
