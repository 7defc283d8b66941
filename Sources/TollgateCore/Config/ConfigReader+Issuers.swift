import Yams

/// `issuers:`: JWT issuers (exactly one key source each) and the introspection issuer.
extension ConfigReader {
    private static let issuerKeys = [
        "name", "issuer", "audiences", "jwks_file", "jwks_uri", "discovery_url", "algorithms", "leeway",
        "require_typ", "scope_claim", "client_id_claim", "jwks_refresh", "jwks_refetch_cooldown", "ca_file",
        "introspection", "dpop",
    ]
    /// Keys that only make sense for a JWT issuer.
    private static let jwtOnlyKeys = [
        "issuer", "audiences", "jwks_file", "jwks_uri", "discovery_url", "algorithms", "require_typ",
        "jwks_refresh", "jwks_refetch_cooldown",
    ]
    private static let keySourceKeys = ["jwks_file", "jwks_uri", "discovery_url"]

    /// Every entry with a name, even one with other errors, so that routes naming it
    /// are not reported as naming a missing issuer.
    mutating func readIssuers(_ node: Node) -> [IssuerConfig] {
        guard let items = sequence(node, path: "issuers") else { return [] }
        return items.enumerated().compactMap { index, item in readIssuer(item, path: "issuers[\(index)]") }
    }

    private mutating func readIssuer(_ node: Node, path: String) -> IssuerConfig? {
        guard let map = mapping(node, path: path, anchor: node.location, keys: Self.issuerKeys) else { return nil }
        let name = required("name", in: map).flatMap { string($0, map.path("name")) }
        var issuer = IssuerConfig(name: name ?? Located(""), location: map.location)
        if let value = map["leeway"].flatMap({ duration($0, map.path("leeway"), allowZero: true) }) { issuer.leeway = value }
        issuer.scopeClaim = map["scope_claim"].flatMap { string($0, map.path("scope_claim")) }?.value
        issuer.clientIdClaim = map["client_id_claim"].flatMap { string($0, map.path("client_id_claim")) }?.value
        issuer.caFile = map["ca_file"].flatMap { string($0, map.path("ca_file")) }
        if let node = map["dpop"], let dpop = readDPoP(node, path: map.path("dpop"), anchor: map.keyLocation("dpop")) {
            issuer.dpop = dpop
        }
        if let introspection = map["introspection"] {
            for key in Self.jwtOnlyKeys where map[key] != nil {
                error("\(map.path(key)): not used by an introspection issuer (it applies to JWT issuers only)", at: map.keyLocation(key))
            }
            issuer.introspection = readIntrospection(introspection, path: map.path("introspection"), anchor: map.keyLocation("introspection"))
        } else {
            readJWTSettings(map, into: &issuer)
        }
        return name == nil ? nil : issuer
    }

    /// Fills the JWT-only fields.
    private mutating func readJWTSettings(_ map: MappingNode, into issuer: inout IssuerConfig) {
        issuer.issuer = required("issuer", in: map).flatMap { string($0, map.path("issuer")) }
        if let audiences = required("audiences", in: map).flatMap({
            strings($0, map.path("audiences"), nonEmpty: "must list at least one audience")
        }) {
            issuer.audiences = audiences
        }
        let sources = Self.keySourceKeys.filter { map[$0] != nil }
        if sources.isEmpty {
            error("\(map.path): missing a key source: give exactly one of jwks_file, jwks_uri, discovery_url", at: map.location)
        }
        for extra in sources.dropFirst() {
            error("\(map.path(extra)): \(sources[0]) is already given (line \(map.keyLocation(sources[0]).line)); give exactly one of jwks_file, jwks_uri, discovery_url", at: map.keyLocation(extra))
        }
        if let source = sources.first, let value = string(map[source]!, map.path(source)) {
            switch source {
            case "jwks_file":
                issuer.keySource = Located(.jwksFile(value.value), at: value.location)
            default:
                if let problem = ValueSyntax.fetchURLProblem(value.value) {
                    error("\(map.path(source)): \(problem)", at: value.location)
                } else {
                    issuer.keySource = Located(source == "jwks_uri" ? .jwksURI(value.value) : .discoveryURL(value.value), at: value.location)
                }
            }
        }
        if let node = map["algorithms"], let algorithms = readAlgorithms(node, map.path("algorithms")) {
            issuer.algorithms = algorithms
        }
        issuer.requireTyp = map["require_typ"].flatMap { string($0, map.path("require_typ")) }?.value
        if let value = map["jwks_refresh"].flatMap({ duration($0, map.path("jwks_refresh")) }) { issuer.jwksRefresh = value }
        if let value = map["jwks_refetch_cooldown"].flatMap({ duration($0, map.path("jwks_refetch_cooldown"), allowZero: true) }) {
            issuer.jwksRefetchCooldown = value
        }
    }

    private mutating func readAlgorithms(_ node: Node, _ path: String) -> [Located<JWSAlgorithm>]? {
        let supported = JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
        guard let names = strings(node, path, nonEmpty: "must list at least one algorithm", problem: { name in
            if name.lowercased() == "none" { return "'\(name)' is never accepted: unsigned tokens are always rejected" }
            return JWSAlgorithm(rawValue: name) == nil ? "unknown algorithm '\(name)' (supported: \(supported))" : nil
        }) else { return nil }
        return names.compactMap { name in JWSAlgorithm(rawValue: name.value).map { Located($0, at: name.location) } }
    }

    private mutating func readIntrospection(_ node: Node, path: String, anchor: SourceLocation) -> IntrospectionConfig? {
        let keys = ["endpoint", "client_id", "client_secret_env", "cache_ttl", "max_in_flight"]
        guard let map = mapping(node, path: path, anchor: anchor, keys: keys) else { return nil }
        var endpoint = required("endpoint", in: map).flatMap { string($0, map.path("endpoint")) }
        if let value = endpoint, let problem = ValueSyntax.fetchURLProblem(value.value) {
            error("\(map.path("endpoint")): \(problem)", at: value.location)
            endpoint = nil
        }
        let clientId = required("client_id", in: map).flatMap { string($0, map.path("client_id")) }
        var secretEnv = required("client_secret_env", in: map).flatMap { string($0, map.path("client_secret_env")) }
        if let value = secretEnv, let problem = ValueSyntax.environmentNameProblem(value.value) {
            error("\(map.path("client_secret_env")): \(problem)", at: value.location)
            secretEnv = nil
        }
        let cacheTTL = map["cache_ttl"].map { duration($0, map.path("cache_ttl"), allowZero: true) }
        let maxInFlight = map["max_in_flight"].map { integer($0, map.path("max_in_flight"), minimum: 1) }
        guard let endpoint, let clientId, let secretEnv, let ttl = cacheTTL ?? .some(.seconds(60)),
              let inFlight = maxInFlight ?? .some(IntrospectionConfig.defaultMaxInFlight)
        else { return nil }
        return IntrospectionConfig(
            endpoint: endpoint, clientId: clientId.value, clientSecretEnv: secretEnv, cacheTTL: ttl, maxInFlight: inFlight
        )
    }
}
