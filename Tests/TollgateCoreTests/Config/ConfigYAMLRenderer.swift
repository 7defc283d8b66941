import TollgateCore

/// Writes a `GatewayConfig` as the YAML a user would write (test-only), so that the
/// loader can be checked against the model: render, load, compare.
struct ConfigYAMLRenderer {
    private var lines: [String] = []

    static func render(_ config: GatewayConfig) -> String {
        var renderer = ConfigYAMLRenderer()
        renderer.write(config)
        return renderer.lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }

    static func duration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        if milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        if milliseconds % 100 == 0 { return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s" }
        return "\(milliseconds)ms"
    }

    static func size(_ bytes: Int) -> String {
        for (unit, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return bytes % 2 == 0 ? "\(bytes)" : "\(bytes)B"
    }

    private mutating func line(_ indent: Int, _ text: String) {
        lines.append(String(repeating: " ", count: indent) + text)
    }

    private mutating func write(_ config: GatewayConfig) {
        let server = config.server
        line(0, "server:")
        line(2, "listen: " + Self.list(server.listen.map(\.value.description)))
        if let tls = server.tls {
            line(2, "tls:")
            line(4, "certificate: " + Self.quoted(tls.certificate.value))
            line(4, "private_key: " + Self.quoted(tls.privateKey.value))
        }
        if let admin = server.admin { line(2, "admin: " + Self.quoted(admin.value.description)) }
        switch server.workers {
        case .auto: line(2, "workers: auto")
        case .count(let count): line(2, "workers: \(count)")
        }
        line(2, "drain_timeout: " + Self.duration(server.drainTimeout))
        let limits = config.limits
        line(0, "limits:")
        line(2, "max_header_bytes: " + Self.size(limits.maxHeaderBytes))
        line(2, "max_body_bytes: " + Self.size(limits.maxBodyBytes))
        line(2, "max_request_line_bytes: " + Self.size(limits.maxRequestLineBytes))
        line(2, "idle_timeout: " + Self.duration(limits.idleTimeout))
        line(2, "request_timeout: " + Self.duration(limits.requestTimeout))
        line(2, "header_timeout: " + Self.duration(limits.headerTimeout))
        line(2, "max_connections: \(limits.maxConnections)")
        line(2, "http2_max_concurrent_streams: \(limits.http2MaxConcurrentStreams)")
        line(2, "http2_max_reset_frames: \(limits.http2MaxResetFrames)")
        line(2, "http2_max_control_frames: \(limits.http2MaxControlFrames)")
        line(2, "http2_flood_window: " + Self.duration(limits.http2FloodWindow))
        line(2, "http2_max_continuation_frames: \(limits.http2MaxContinuationFrames)")
        line(2, "http2_max_buffered_control_frames: \(limits.http2MaxBufferedControlFrames)")
        writeIssuers(config.issuers)
        line(0, "scopes:")
        line(2, "implies:" + (config.scopes.implies.isEmpty ? " {}" : ""))
        for rule in config.scopes.implies {
            line(4, Self.quoted(rule.scope.value) + ": " + Self.list(rule.implies.map(\.value)))
        }
        line(0, "clients:" + (config.clients.isEmpty ? " []" : ""))
        for client in config.clients {
            line(2, "- client_id: " + Self.quoted(client.clientId.value))
            line(4, "allowed_origins: " + Self.list(client.allowedOrigins.map(\.value)))
        }
        if let cors = config.cors { writeCORS(cors, key: "cors", indent: 0) }
        writeUpstreams(config.upstreams)
        line(0, "forward:")
        line(2, "headers:" + (config.forward.headers.isEmpty ? " {}" : ""))
        for header in config.forward.headers {
            line(4, header.name.value + ": " + Self.quoted(header.claim))
        }
        line(2, "strip_authorization: \(config.forward.stripAuthorization)")
        writeRoutes(config.routes)
        line(0, "access_log: {enabled: \(config.accessLog.enabled), path: \(Self.quoted(config.accessLog.path))}")
        line(0, "cache:")
        line(2, "tokens: \(config.cache.tokens)")
        line(2, "introspection: \(config.cache.introspection)")
        line(2, "dpop_jtis: \(config.cache.dpopJTIs)")
        line(2, "dpop_keys: \(config.cache.dpopKeys)")
    }

    private mutating func writeIssuers(_ issuers: [IssuerConfig]) {
        line(0, "issuers:" + (issuers.isEmpty ? " []" : ""))
        for issuer in issuers {
            line(2, "- name: " + Self.quoted(issuer.name.value))
            line(4, "leeway: " + Self.duration(issuer.leeway))
            if let claim = issuer.scopeClaim { line(4, "scope_claim: " + Self.quoted(claim)) }
            if let claim = issuer.clientIdClaim { line(4, "client_id_claim: " + Self.quoted(claim)) }
            if let caFile = issuer.caFile { line(4, "ca_file: " + Self.quoted(caFile.value)) }
            if let introspection = issuer.introspection {
                line(4, "introspection:")
                line(6, "endpoint: " + Self.quoted(introspection.endpoint.value))
                line(6, "client_id: " + Self.quoted(introspection.clientId))
                line(6, "client_secret_env: " + introspection.clientSecretEnv.value)
                line(6, "cache_ttl: " + Self.duration(introspection.cacheTTL))
                line(6, "max_in_flight: \(introspection.maxInFlight)")
                continue
            }
            if let iss = issuer.issuer { line(4, "issuer: " + Self.quoted(iss.value)) }
            line(4, "audiences: " + Self.list(issuer.audiences.map(\.value)))
            switch issuer.keySource?.value {
            case .jwksFile(let path): line(4, "jwks_file: " + Self.quoted(path))
            case .jwksURI(let url): line(4, "jwks_uri: " + Self.quoted(url))
            case .discoveryURL(let url): line(4, "discovery_url: " + Self.quoted(url))
            case nil: break
            }
            line(4, "algorithms: [" + issuer.algorithms.map(\.value.rawValue).joined(separator: ", ") + "]")
            if let typ = issuer.requireTyp { line(4, "require_typ: " + Self.quoted(typ)) }
            line(4, "jwks_refresh: " + Self.duration(issuer.jwksRefresh))
            line(4, "jwks_refetch_cooldown: " + Self.duration(issuer.jwksRefetchCooldown))
        }
    }

    private mutating func writeCORS(_ cors: CORSConfig, key: String, indent: Int) {
        line(indent, key + ":" + (cors == CORSConfig() ? " {}" : ""))
        let lists: [(String, [Located<String>]?)] = [
            ("allowed_origins", cors.allowedOrigins), ("allowed_methods", cors.allowedMethods),
            ("allowed_headers", cors.allowedHeaders), ("exposed_headers", cors.exposedHeaders),
        ]
        for case (let name, let values?) in lists {
            line(indent + 2, name + ": " + Self.list(values.map(\.value)))
        }
        if let credentials = cors.allowCredentials { line(indent + 2, "allow_credentials: \(credentials.value)") }
        if let maxAge = cors.maxAge { line(indent + 2, "max_age: " + Self.duration(maxAge)) }
    }

    private mutating func writeUpstreams(_ upstreams: [UpstreamConfig]) {
        line(0, "upstreams:")
        for upstream in upstreams {
            line(2, "- name: " + Self.quoted(upstream.name.value))
            line(4, "targets: " + Self.list(upstream.targets.map(\.value.description)))
            line(4, "balance: " + upstream.balance.rawValue)
            line(4, "connect_timeout: " + Self.duration(upstream.connectTimeout))
            line(4, "timeout: " + Self.duration(upstream.timeout))
            line(4, "max_idle_connections: \(upstream.maxIdleConnections)")
            line(4, "max_connections: \(upstream.maxConnections)")
            line(4, "host_header: " + upstream.hostHeader.rawValue)
            let files = [("ca_file", upstream.caFile), ("client_certificate", upstream.clientCertificate),
                         ("client_private_key", upstream.clientPrivateKey)]
            for case (let key, let path?) in files { line(4, key + ": " + Self.quoted(path.value)) }
        }
    }

    private mutating func writeRoutes(_ routes: [RouteConfig]) {
        line(0, "routes:" + (routes.isEmpty ? " []" : ""))
        for route in routes {
            line(2, "- path: " + Self.quoted(route.path.value))
            line(4, "upstream: " + Self.quoted(route.upstream.value))
            line(4, "auth: " + route.auth.value.rawValue)
            let lists: [(String, [Located<String>]?)] = [
                ("methods", route.methods), ("scopes", route.scopes), ("any_scopes", route.anyScopes), ("issuers", route.issuers),
            ]
            for case (let key, let values?) in lists { line(4, key + ": " + Self.list(values.map(\.value))) }
            let strings = [("name", route.name), ("host", route.host), ("strip_prefix", route.stripPrefix)]
            for case (let key, let value?) in strings { line(4, key + ": " + Self.quoted(value.value)) }
            if let cors = route.cors { writeCORS(cors, key: "cors", indent: 4) }
        }
    }
}
