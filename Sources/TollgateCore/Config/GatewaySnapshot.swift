/// A validated configuration compiled for serving: the route table, each
/// route's compiled policy (scope requirement as a bitset, CORS policy,
/// issuer restriction), the issuers' verifiers, the scope universe and the
/// per-client origins. Built once, off the event loops, and never changed; a
/// reload builds a new one and publishes it whole.
public final class GatewaySnapshot: Sendable {
    public let config: GatewayConfig
    public let routeTable: RouteTable
    public let routes: [CompiledRoute]
    public let issuers: [CompiledIssuer]
    public let scopes: ScopeUniverse
    public let globalCORS: CORSPolicy
    public let clientOrigins: ClientOriginPolicy
    /// Request headers always removed before forwarding (lower case): the
    /// `forward.headers` names, so a client can never spoof them, and
    /// `authorization` when `forward.strip_authorization` is set.
    public let strippedRequestHeaders: [String]
    let issuerIndexByIss: [String: Int]
    let issuerIndexByName: [String: Int]
    /// The index of the introspection issuer, if one is configured.
    public let introspectionIssuer: Int?
    /// `server.public_origin`: the origin DPoP proofs' `htu` names, else the request's scheme and `Host`.
    public let publicOrigin: String?
    /// The process's `replay: memory` store, shared by every event loop.
    public let replayStore: MemoryReplayStore

    /// Compiles `config`, which the loader has already validated; what only
    /// compiling can find (a CORS origin or a scope rule that cannot be
    /// compiled) is reported against `file`. A reload passes the previous
    /// snapshot's `replayStore`, so that a proof seen before cannot be replayed
    /// after it (a store of another capacity is replaced).
    public init(config: GatewayConfig, file: String = "<config>", replayStore: MemoryReplayStore? = nil) throws(ConfigError) {
        self.config = config
        publicOrigin = config.server.publicOrigin?.value
        self.replayStore = replayStore.flatMap { $0.capacity == config.cache.dpopJTIs ? $0 : nil }
            ?? MemoryReplayStore(capacity: config.cache.dpopJTIs)
        var problems: [ConfigDiagnostic] = []
        func report(_ location: SourceLocation, _ message: String) {
            problems.append(ConfigDiagnostic(file: file, location: location, message: message))
        }

        let scopes = ScopeUniverse(config: config)
        self.scopes = scopes
        let forwardedClaims = config.forward.headers.map(\.claim)
        var issuers: [CompiledIssuer] = []
        var byIss: [String: Int] = [:]
        var byName: [String: Int] = [:]
        var introspection: Int?
        for (index, issuer) in config.issuers.enumerated() {
            let verifier = IssuerPolicy(issuer).map { JWTVerifier(policy: $0, forwardedClaims: forwardedClaims) }
            issuers.append(CompiledIssuer(
                name: issuer.name.value, config: issuer, verifier: verifier,
                dpop: DPoPProofVerifier(policy: DPoPPolicy(issuer.dpop, leeway: issuer.leeway))
            ))
            byName[issuer.name.value] = index
            if let iss = issuer.issuer?.value, verifier != nil { byIss[iss] = index }
            if issuer.introspection != nil { introspection = index }
        }
        self.issuers = issuers
        issuerIndexByIss = byIss
        issuerIndexByName = byName
        introspectionIssuer = introspection

        var globalCORS = CORSPolicy.sameOriginOnly
        if let cors = config.cors {
            do { globalCORS = try CORSPolicy(config: cors) } catch { report(error.location, error.description) }
        }
        self.globalCORS = globalCORS
        var clientOrigins = ClientOriginPolicy.unrestricted
        do { clientOrigins = try ClientOriginPolicy(clients: config.clients) } catch { report(error.location, error.description) }
        self.clientOrigins = clientOrigins

        let upstreamIndex = Dictionary(config.upstreams.enumerated().map { ($1.name.value, $0) }, uniquingKeysWith: { first, _ in first })
        var entries: [RouteTable.Entry] = []
        var routes: [CompiledRoute] = []
        for route in config.routes {
            guard let pattern = try? RoutePattern(parsing: route.path.value),
                  let upstream = upstreamIndex[route.upstream.value]
            else {
                report(route.location, "route \(route.displayName) cannot be compiled (its path or upstream is invalid)")
                continue
            }
            entries.append(RouteTable.Entry(
                pattern: pattern,
                host: route.host.flatMap { try? HostPattern(parsing: $0.value) },
                methods: route.methods?.map(\.value),
                stripPrefix: route.stripPrefix?.value
            ))
            var requirement = ScopeRequirement.none
            do { requirement = try ScopeRequirement(route: route, in: scopes) } catch { report(route.location, error.description) }
            var cors = globalCORS
            if let routeCORS = route.cors {
                do { cors = try CORSPolicy(global: config.cors, route: routeCORS) } catch { report(error.location, error.description) }
            }
            let allowedIssuers = route.issuers.map { names in Set(names.compactMap { byName[$0.value] }) }
            routes.append(CompiledRoute(
                name: route.displayName,
                upstream: upstream,
                auth: route.auth.value,
                requirement: requirement,
                cors: cors,
                allowedIssuers: allowedIssuers
            ))
        }
        var table: RouteTable?
        do { table = try RouteTable(entries) } catch { report(.unknown, "\(error)") }
        guard problems.isEmpty, let table else { throw ConfigError(diagnostics: problems.sorted { $0.location < $1.location }) }
        routeTable = table
        self.routes = routes

        var stripped = config.forward.headers.map { $0.name.value.lowercased() }
        if config.forward.stripAuthorization { stripped.append("authorization") }
        strippedRequestHeaders = stripped
    }

    /// The core's decision for one request (SPEC's order of checks). `state`
    /// is the calling event loop's token cache and keys for this snapshot;
    /// `now` is seconds since the epoch. With `deferringVerification`, a token
    /// the cache does not hold is not verified here: the decision is
    /// `.verifyLater` (the server batches those per event-loop pass).
    public func decide(_ facts: RequestFacts, state: VerificationState, now: Int64, deferringVerification: Bool = false) -> GateDecision {
        Gatekeeper(snapshot: self, state: state, now: now, defersVerification: deferringVerification).decide(facts)
    }
}

/// What a route needs at request time, resolved from names to indices and compiled.
/// A class, immutable, so that a request's decision holds its route with one
/// retain instead of copying each field.
public final class CompiledRoute: Sendable {
    public let name: String
    public let upstream: Int
    public let auth: AuthMode
    public let requirement: ScopeRequirement
    /// The route's CORS policy: its own `cors:` over the global one, or the global one.
    public let cors: CORSPolicy
    /// `issuers:`, as issuer indices; nil when the route accepts any issuer.
    public let allowedIssuers: Set<Int>?

    init(name: String, upstream: Int, auth: AuthMode, requirement: ScopeRequirement, cors: CORSPolicy, allowedIssuers: Set<Int>?) {
        self.name = name
        self.upstream = upstream
        self.auth = auth
        self.requirement = requirement
        self.cors = cors
        self.allowedIssuers = allowedIssuers
    }
}

/// One configured issuer, with its verifier when it is a JWT issuer.
public struct CompiledIssuer: Sendable {
    public var name: String
    public var config: IssuerConfig
    /// Nil for an introspection issuer.
    public var verifier: JWTVerifier?
    /// Checks the proofs of the issuer's DPoP-bound tokens.
    public var dpop: DPoPProofVerifier
}
