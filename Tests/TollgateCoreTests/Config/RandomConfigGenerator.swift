import TollgateCore

/// Random configurations that obey every rule of `check`, for the round-trip property.
struct RandomConfigGenerator {
    var random: SeededRandom
    /// When set, no policy allows credentials, so `*` origins are allowed.
    private var wildcardOrigins = false

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func config() -> GatewayConfig {
        wildcardOrigins = random.chance(0.5)
        var config = GatewayConfig(server: server())
        config.limits = limits()
        config.issuers = issuers()
        config.scopes = scopes()
        config.clients = (0..<Int.random(in: 0...3, using: &random)).map { index in
            ClientConfig(clientId: Located("client-\(index)\(text())"), allowedOrigins: (0..<Int.random(in: 0...2, using: &random)).map { _ in Located(origin()) })
        }
        config.cors = random.chance(0.7) ? cors() : nil
        config.upstreams = (0..<Int.random(in: 1...3, using: &random)).map { upstream(index: $0) }
        config.forward = forward()
        config.routes = (0..<Int.random(in: 0...6, using: &random)).map { route(index: $0, config: config) }
        config.accessLog = AccessLogConfig(enabled: random.chance(0.5), path: random.pick(["stdout", "stderr", "logs/access.log"]))
        config.cache = CacheConfig(
            tokens: Int.random(in: 1...1_000_000, using: &random), introspection: Int.random(in: 1...1_000_000, using: &random),
            dpopJTIs: Int.random(in: 1...1_000_000, using: &random), dpopKeys: Int.random(in: 0...10_000, using: &random)
        )
        return config
    }

    /// A short string with characters YAML would otherwise interpret.
    private mutating func text() -> String {
        String((0..<Int.random(in: 0...6, using: &random)).map { _ in random.pick(Array("abcXYZ019-_.:/#&*!? é\"'\\{}[],")) })
    }

    private mutating func duration(allowZero: Bool = false) -> Duration {
        let base = Int.random(in: 0...90_000, using: &random) / random.pick([1, 10, 1000, 60_000])
        return .milliseconds(max(allowZero ? 0 : 1, base) * random.pick([1, 100, 1000, 60_000]))
    }

    private mutating func server() -> ServerConfig {
        var ports = Set<Int>()
        let listen = (0..<Int.random(in: 1...3, using: &random)).compactMap { _ -> Located<HostPort>? in
            let port = Int.random(in: 1...65_535, using: &random)
            guard ports.insert(port).inserted else { return nil }
            return Located(HostPort(host: random.pick(["127.0.0.1", "::1", "0.0.0.0", "localhost", "api.internal"]), port: port))
        }
        return ServerConfig(
            listen: listen,
            tls: random.chance(0.3) ? TLSConfig(certificate: Located("tls/cert\(text()).pem"), privateKey: Located("tls/key.pem")) : nil,
            admin: random.chance(0.5) ? Located(HostPort(host: "127.0.0.2", port: Int.random(in: 0...65_535, using: &random))) : nil,
            workers: random.chance(0.5) ? .auto : .count(Int.random(in: 1...64, using: &random)),
            drainTimeout: duration(allowZero: true)
        )
    }

    private mutating func limits() -> LimitsConfig {
        var limits = LimitsConfig()
        limits.maxHeaderBytes = Int.random(in: 1...(1 << 30), using: &random)
        limits.maxBodyBytes = random.pick([1, 1024, 1 << 20, 1 << 30]) * Int.random(in: 1...16, using: &random)
        limits.maxRequestLineBytes = Int.random(in: 1...65_536, using: &random)
        limits.idleTimeout = duration()
        limits.requestTimeout = duration()
        limits.headerTimeout = duration()
        limits.maxConnections = Int.random(in: 1...100_000, using: &random)
        limits.http2MaxConcurrentStreams = Int.random(in: 1...Int(Int32.max), using: &random)
        limits.http2MaxResetFrames = Int.random(in: 1...100_000, using: &random)
        limits.http2MaxControlFrames = Int.random(in: 1...100_000, using: &random)
        limits.http2FloodWindow = duration()
        limits.http2MaxContinuationFrames = Int.random(in: 1...64, using: &random)
        limits.http2MaxBufferedControlFrames = Int.random(in: 1...100_000, using: &random)
        return limits
    }

    private mutating func issuers() -> [IssuerConfig] {
        var issuers: [IssuerConfig] = (0..<Int.random(in: 0...3, using: &random)).map { index in
            let host = "issuer\(index).example.com"
            let source: IssuerConfig.KeySource = random.pick([
                .jwksFile("conf/jwks\(index).json"), .jwksURI("https://\(host)/jwks"),
                .discoveryURL("http://127.0.0.1:\(9000 + index)/.well-known/openid-configuration"),
            ])
            return IssuerConfig(
                name: Located("issuer-\(index)\(text())"),
                issuer: Located("https://\(host)/\(text())"),
                audiences: (0..<Int.random(in: 1...3, using: &random)).map { _ in Located("aud\(text())") },
                keySource: Located(source),
                algorithms: random.chance(0.5) ? JWSAlgorithm.defaultAllowed.map { Located($0) } : random.subset(JWSAlgorithm.allCases).map { Located($0) },
                leeway: duration(allowZero: true),
                requireTyp: random.chance(0.5) ? "at+jwt" : nil,
                scopeClaim: random.chance(0.5) ? "scp" : nil,
                clientIdClaim: random.chance(0.5) ? "azp\(text())" : nil,
                jwksRefresh: duration(),
                jwksRefetchCooldown: duration(allowZero: true),
                caFile: random.chance(0.3) ? Located("ca\(index).pem") : nil
            )
        }
        if random.chance(0.5) {
            issuers.append(IssuerConfig(
                name: Located("opaque"),
                leeway: duration(allowZero: true),
                scopeClaim: random.chance(0.5) ? "scope" : nil,
                caFile: random.chance(0.3) ? Located("as-ca.pem") : nil,
                introspection: IntrospectionConfig(
                    endpoint: Located(random.pick(["https://as.example.com/introspect", "http://localhost:9100/i"])),
                    clientId: "tollgate\(text())", clientSecretEnv: Located("SECRET_\(Int.random(in: 0...9, using: &random))"),
                    cacheTTL: duration(allowZero: true),
                    maxInFlight: Int.random(in: 1...512, using: &random)
                )
            ))
        }
        return issuers
    }

    private mutating func scopeName() -> String {
        random.pick(["apps", "apps:read", "apps:write", "admin.apps", "user_default", "tenants/x", "a{b}"])
    }

    private mutating func scopes() -> ScopesConfig {
        let keys = random.subset(["admin.apps", "apps", "apps:write", "odd#scope"]).filter { _ in random.chance(0.7) }
        return ScopesConfig(implies: keys.map { key in
            ScopesConfig.Implication(scope: Located(key), implies: (0..<Int.random(in: 0...3, using: &random)).map { _ in Located(scopeName()) })
        })
    }

    private mutating func origin() -> String {
        let origins = ["https://dashboard.example.com", "https://*.example.com", "http://localhost:3000", "null", "http://[::1]:8080"]
        return wildcardOrigins && random.chance(0.2) ? "*" : random.pick(origins)
    }

    private mutating func cors() -> CORSConfig {
        CORSConfig(
            allowedOrigins: random.chance(0.6) ? (0..<Int.random(in: 0...3, using: &random)).map { _ in Located(origin()) } : nil,
            allowedMethods: random.chance(0.5) ? random.subset(["GET", "POST", "PUT", "DELETE", "PATCH", "PURGE"]).map { Located($0) } : nil,
            allowedHeaders: random.chance(0.5) ? random.subset(["Authorization", "Content-Type", "X-Requested-With", "*"]).map { Located($0) } : nil,
            exposedHeaders: random.chance(0.5) ? random.subset(["X-Request-Id", "ETag"]).map { Located($0) } : nil,
            allowCredentials: random.chance(0.5) ? Located(!wildcardOrigins && random.chance(0.5)) : nil,
            maxAge: random.chance(0.5) ? duration(allowZero: true) : nil
        )
    }

    private mutating func upstream(index: Int) -> UpstreamConfig {
        let targets = (0..<Int.random(in: 1...3, using: &random)).map { port in
            Located(UpstreamTarget(tls: random.chance(0.4), address: HostPort(host: random.pick(["127.0.0.1", "backend.internal", "::1"]), port: 9000 + port)))
        }
        let tls = targets.contains(where: \.value.tls)
        let mutual = tls && random.chance(0.5)
        return UpstreamConfig(
            name: Located("upstream-\(index)\(text())"),
            targets: targets,
            balance: random.pick([.roundRobin, .leastConnections]),
            connectTimeout: duration(),
            timeout: duration(),
            maxIdleConnections: Int.random(in: 0...1000, using: &random),
            maxConnections: Int.random(in: 1...10_000, using: &random),
            hostHeader: random.pick([.preserve, .target]),
            caFile: tls && random.chance(0.5) ? Located("upstream-ca.pem") : nil,
            clientCertificate: mutual ? Located("client.pem") : nil,
            clientPrivateKey: mutual ? Located("client-key.pem") : nil
        )
    }

    private mutating func forward() -> ForwardConfig {
        let names = random.subset(["X-Auth-Subject", "X-Auth-Client-Id", "X-Auth-Scopes", "X-Tenant"]).filter { _ in random.chance(0.8) }
        return ForwardConfig(
            headers: names.map { ForwardConfig.Header(name: Located($0), claim: random.pick(["sub", "client_id", "scope", "https://example.com/tenant"])) },
            stripAuthorization: random.chance(0.5)
        )
    }

    private mutating func route(index: Int, config: GatewayConfig) -> RouteConfig {
        let path = "/r\(index)" + random.pick(["", "/v1", "/v1/{id}", "/{id}/items", "/files/**", "/**", "/a-b_c~d/{x}/**"])
        let auth = random.pick([AuthMode.required, .optional, .none])
        var route = RouteConfig(path: Located(path), upstream: config.upstreams[Int.random(in: 0..<config.upstreams.count, using: &random)].name)
        route.auth = Located(auth)
        route.name = random.chance(0.4) ? Located("route \(index)\(text())") : nil
        route.methods = random.chance(0.5) ? random.subset(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]).map { Located($0) } : nil
        route.host = random.chance(0.3) ? Located(random.pick(["api.example.com", "*.example.com", "Admin.Example.com"])) : nil
        if auth == .required, random.chance(0.6) {
            let scopes = (0..<Int.random(in: 1...3, using: &random)).map { _ in Located(scopeName()) }
            if random.chance(0.5) { route.scopes = scopes } else { route.anyScopes = scopes }
        }
        if auth != .none, !config.issuers.isEmpty, random.chance(0.4) {
            route.issuers = random.subset(config.issuers.map(\.name))
        }
        route.stripPrefix = random.chance(0.3) ? Located("/r\(index)") : nil
        route.cors = random.chance(0.3) ? cors() : nil
        return route
    }
}
