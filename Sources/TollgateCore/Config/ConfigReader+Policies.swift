import Yams

/// `scopes:`, `clients:`, `cors:`, `forward:`, `access_log:` and `cache:`.
extension ConfigReader {
    mutating func readScopes(_ node: Node, anchor: SourceLocation) -> ScopesConfig {
        guard let map = mapping(node, path: "scopes", anchor: anchor, keys: ["implies"]),
              let implies = map["implies"],
              let rules = mapping(implies, path: map.path("implies"), anchor: map.keyLocation("implies"), keys: nil)
        else { return ScopesConfig() }
        var implications: [ScopesConfig.Implication] = []
        for entry in rules.entries {
            if let problem = ValueSyntax.scopeProblem(entry.key) {
                error("\(rules.path): \(problem)", at: entry.keyLocation)
                continue
            }
            let path = "\(rules.path).\(entry.key)"
            guard let implied = strings(entry.value, path, problem: ValueSyntax.scopeProblem) else { continue }
            implications.append(ScopesConfig.Implication(scope: Located(entry.key, at: entry.keyLocation), implies: implied))
        }
        return ScopesConfig(implies: implications)
    }

    mutating func readClients(_ node: Node) -> [ClientConfig] {
        guard let items = sequence(node, path: "clients") else { return [] }
        var clients: [ClientConfig] = []
        for (index, item) in items.enumerated() {
            let path = "clients[\(index)]"
            guard let map = mapping(item, path: path, anchor: item.location, keys: ["client_id", "allowed_origins"]) else { continue }
            let clientId = required("client_id", in: map).flatMap { string($0, map.path("client_id")) }
            let origins = required("allowed_origins", in: map).flatMap {
                strings($0, map.path("allowed_origins"), problem: ValueSyntax.originProblem)
            }
            if let clientId { clients.append(ClientConfig(clientId: clientId, allowedOrigins: origins ?? [])) }
        }
        return clients
    }

    /// The global `cors:` or a route's own; the same keys in both.
    mutating func readCORS(_ node: Node, path: String, anchor: SourceLocation) -> CORSConfig? {
        let keys = ["allowed_origins", "allowed_methods", "allowed_headers", "exposed_headers", "allow_credentials", "max_age"]
        guard let map = mapping(node, path: path, anchor: anchor, keys: keys) else { return nil }
        var cors = CORSConfig(location: anchor)
        cors.allowedOrigins = map["allowed_origins"].flatMap {
            strings($0, map.path("allowed_origins"), problem: ValueSyntax.originProblem)
        }
        cors.allowedMethods = map["allowed_methods"].flatMap {
            strings($0, map.path("allowed_methods"), problem: ValueSyntax.methodProblem)
        }
        cors.allowedHeaders = map["allowed_headers"].flatMap {
            strings($0, map.path("allowed_headers"), problem: ValueSyntax.headerNameProblem)
        }
        cors.exposedHeaders = map["exposed_headers"].flatMap {
            strings($0, map.path("exposed_headers"), problem: ValueSyntax.headerNameProblem)
        }
        cors.allowCredentials = map["allow_credentials"].flatMap { boolean($0, map.path("allow_credentials")) }
        cors.maxAge = map["max_age"].flatMap { duration($0, map.path("max_age"), allowZero: true) }
        return cors
    }

    mutating func readForward(_ node: Node, anchor: SourceLocation) -> ForwardConfig {
        var forward = ForwardConfig()
        guard let map = mapping(node, path: "forward", anchor: anchor, keys: ["headers", "strip_authorization"]) else { return forward }
        if let value = map["strip_authorization"].flatMap({ boolean($0, map.path("strip_authorization")) }) {
            forward.stripAuthorization = value.value
        }
        guard let headers = map["headers"],
              let rules = mapping(headers, path: map.path("headers"), anchor: map.keyLocation("headers"), keys: nil)
        else { return forward }
        var seen: [String: SourceLocation] = [:]
        for entry in rules.entries {
            if let problem = ValueSyntax.headerNameProblem(entry.key) {
                error("\(rules.path): \(problem)", at: entry.keyLocation)
                continue
            }
            if ForwardConfig.isGatewayOwned(entry.key) {
                error(
                    "\(rules.path): header '\(entry.key)' cannot be set from a claim: the gateway writes it itself (framing, hop-by-hop and Proxy-* fields, Host, Expect, X-Forwarded-*, X-Request-Id)",
                    at: entry.keyLocation
                )
                continue
            }
            if let first = seen[entry.key.lowercased()] {
                error("\(rules.path): header '\(entry.key)' is already set at line \(first.line) (header names are case-insensitive)", at: entry.keyLocation)
                continue
            }
            seen[entry.key.lowercased()] = entry.keyLocation
            guard let claim = string(entry.value, "\(rules.path).\(entry.key)") else { continue }
            forward.headers.append(ForwardConfig.Header(name: Located(entry.key, at: entry.keyLocation), claim: claim.value))
        }
        return forward
    }

    mutating func readAccessLog(_ node: Node, anchor: SourceLocation) -> AccessLogConfig {
        var accessLog = AccessLogConfig()
        guard let map = mapping(node, path: "access_log", anchor: anchor, keys: ["enabled", "path"]) else { return accessLog }
        if let value = map["enabled"].flatMap({ boolean($0, map.path("enabled")) }) { accessLog.enabled = value.value }
        if let value = map["path"].flatMap({ string($0, map.path("path")) }) { accessLog.path = value.value }
        return accessLog
    }

    mutating func readCache(_ node: Node, anchor: SourceLocation) -> CacheConfig {
        var cache = CacheConfig()
        guard let map = mapping(node, path: "cache", anchor: anchor, keys: ["tokens", "introspection", "dpop_jtis", "dpop_keys"]) else {
            return cache
        }
        if let value = map["tokens"].flatMap({ integer($0, map.path("tokens"), minimum: 1) }) { cache.tokens = value }
        if let value = map["introspection"].flatMap({ integer($0, map.path("introspection"), minimum: 1) }) {
            cache.introspection = value
        }
        if let value = map["dpop_jtis"].flatMap({ integer($0, map.path("dpop_jtis"), minimum: 1) }) { cache.dpopJTIs = value }
        if let value = map["dpop_keys"].flatMap({ integer($0, map.path("dpop_keys"), minimum: 0) }) { cache.dpopKeys = value }
        return cache
    }
}
