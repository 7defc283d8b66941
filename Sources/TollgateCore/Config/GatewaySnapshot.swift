/// A validated configuration compiled for serving: the route table and each
/// route's compiled policy, built once (off the event loops) and never
/// changed; a reload builds a new one and publishes it whole.
public final class GatewaySnapshot: Sendable {
    public let config: GatewayConfig
    public let routeTable: RouteTable
    public let routes: [CompiledRoute]
    /// Request headers always removed before forwarding (lower case): the
    /// `forward.headers` names, so a client can never spoof them, and
    /// `authorization` when `forward.strip_authorization` is set.
    public let strippedRequestHeaders: [String]

    /// Compiles `config`, which the loader has already validated.
    public init(config: GatewayConfig) throws(ConfigError) {
        self.config = config
        var entries: [RouteTable.Entry] = []
        var routes: [CompiledRoute] = []
        var problems: [ConfigDiagnostic] = []
        let upstreamIndex = Dictionary(config.upstreams.enumerated().map { ($1.name.value, $0) }, uniquingKeysWith: { first, _ in first })
        for route in config.routes {
            do {
                let pattern = try RoutePattern(parsing: route.path.value)
                let host = try route.host.map { host throws(HostPatternError) in try HostPattern(parsing: host.value) }
                entries.append(RouteTable.Entry(
                    pattern: pattern,
                    host: host,
                    methods: route.methods?.map(\.value),
                    stripPrefix: route.stripPrefix?.value
                ))
            } catch {
                problems.append(ConfigDiagnostic(file: "", location: route.path.location, message: "\(error)"))
                continue
            }
            guard let upstream = upstreamIndex[route.upstream.value] else {
                problems.append(ConfigDiagnostic(file: "", location: route.upstream.location, message: "route names unknown upstream '\(route.upstream.value)'"))
                continue
            }
            routes.append(CompiledRoute(name: route.displayName, upstream: upstream, auth: route.auth.value))
        }
        if !problems.isEmpty { throw ConfigError(diagnostics: problems) }
        do {
            routeTable = try RouteTable(entries)
        } catch {
            throw ConfigError(diagnostics: [ConfigDiagnostic(file: "", location: .unknown, message: "\(error)")])
        }
        self.routes = routes
        var stripped = config.forward.headers.map { $0.name.value.lowercased() }
        if config.forward.stripAuthorization { stripped.append("authorization") }
        strippedRequestHeaders = stripped
    }

    /// The core's decision for one request (SPEC's order of checks).
    public func decide(_ facts: RequestFacts) -> GateDecision {
        Gatekeeper(snapshot: self).decide(facts)
    }
}

/// What a route needs at request time, resolved from names to indices.
public struct CompiledRoute: Sendable {
    public var name: String
    public var upstream: Int
    public var auth: AuthMode
}
