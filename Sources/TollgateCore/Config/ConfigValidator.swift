/// The rules that look across a whole configuration once it is typed: unique names,
/// references between sections, route patterns and conflicts, CORS credentials, the
/// files it names, listener addresses. Each problem points at the value at fault.
public enum ConfigValidator {
    /// Every cross-section problem of `config`, in no particular order.
    /// - Parameter fileExists: whether a named file (relative to the working directory) exists.
    public static func problems(in config: GatewayConfig, file: String, fileExists: (String) -> Bool) -> [ConfigDiagnostic] {
        var problems = Problems(file: file)
        checkServer(config.server, into: &problems)
        checkIssuers(config.issuers, into: &problems)
        checkUnique(config.upstreams.map(\.name), what: "upstream", into: &problems)
        checkUnique(config.clients.map(\.clientId), what: "client", into: &problems)
        checkUnique(config.routes.compactMap(\.name), what: "route name", into: &problems)
        checkRoutes(config, into: &problems)
        checkCredentials(config, into: &problems)
        checkFiles(config, fileExists: fileExists, into: &problems)
        return problems.diagnostics
    }

    private static func checkServer(_ server: ServerConfig, into problems: inout Problems) {
        guard let admin = server.admin, admin.value.port != 0,
              let listen = server.listen.first(where: { $0.value == admin.value })
        else { return }
        problems.add("server.admin: \(admin.value) is also a public listen address (line \(listen.location.line)); the admin endpoints must never be on the public listener", at: admin.location)
    }

    private static func checkIssuers(_ issuers: [IssuerConfig], into problems: inout Problems) {
        checkUnique(issuers.map(\.name), what: "issuer", into: &problems)
        checkUnique(issuers.compactMap(\.issuer), what: "issuer value (iss)", into: &problems)
        let introspecting = issuers.filter { $0.introspection != nil }
        for extra in introspecting.dropFirst() {
            let first = introspecting[0].name
            problems.add("issuer '\(extra.name.value)': at most one introspection issuer is allowed, and '\(first.value)' (line \(first.location.line)) is one", at: extra.name.location)
        }
    }

    private static func checkUnique(_ names: [Located<String>], what: String, into problems: inout Problems) {
        var seen: [String: SourceLocation] = [:]
        for name in names {
            if let first = seen[name.value] {
                problems.add("\(what) '\(name.value)' is already defined at line \(first.line)", at: name.location)
            } else {
                seen[name.value] = name.location
            }
        }
    }

    /// `allowed_origins: ["*"]` with `allow_credentials: true`, globally or in a route's merged policy.
    private static func checkCredentials(_ config: GatewayConfig, into problems: inout Problems) {
        let message = "allowed_origins '*' with allow_credentials: true would let any site make credentialed requests (browsers refuse it too); list the origins"
        if let global = config.cors, let at = wildcardWithCredentials(global) {
            problems.add("cors: \(message)", at: at)
        }
        for route in config.routes {
            guard let own = route.cors else { continue }
            let merged = config.cors?.overridden(by: own) ?? own
            guard let at = wildcardWithCredentials(merged) else { continue }
            let inherited = own.allowCredentials == nil || own.allowedOrigins == nil ? " (part of it inherited from the global cors)" : ""
            let routeAt = own.allowCredentials?.location ?? own.allowedOrigins?.first(where: { $0.value == "*" })?.location ?? own.location
            problems.add("route '\(route.displayName)' cors\(inherited): \(message)", at: routeAt == .unknown ? at : routeAt)
        }
    }

    /// Where the offending `allow_credentials: true` is, if the policy has it together with `*`.
    private static func wildcardWithCredentials(_ cors: CORSConfig) -> SourceLocation? {
        guard let credentials = cors.allowCredentials, credentials.value,
              cors.allowedOrigins?.contains(where: { $0.value == "*" }) == true
        else { return nil }
        return credentials.location
    }

    private static func checkFiles(_ config: GatewayConfig, fileExists: (String) -> Bool, into problems: inout Problems) {
        var named: [(key: String, path: Located<String>)] = []
        if let tls = config.server.tls {
            named += [("server.tls.certificate", tls.certificate), ("server.tls.private_key", tls.privateKey)]
            if let clientCA = tls.clientCA { named.append(("server.tls.client_ca", clientCA)) }
        }
        for issuer in config.issuers {
            if let source = issuer.keySource, case .jwksFile(let path) = source.value {
                named.append(("issuer '\(issuer.name.value)' jwks_file", Located(path, at: source.location)))
            }
            if let caFile = issuer.caFile { named.append(("issuer '\(issuer.name.value)' ca_file", caFile)) }
        }
        for upstream in config.upstreams {
            let files = [("ca_file", upstream.caFile), ("client_certificate", upstream.clientCertificate),
                         ("client_private_key", upstream.clientPrivateKey)]
            for case (let key, let path?) in files { named.append(("upstream '\(upstream.name.value)' \(key)", path)) }
        }
        for (key, path) in named where !fileExists(path.value) {
            problems.add("\(key): file '\(path.value)' does not exist (relative paths are resolved against the working directory)", at: path.location)
        }
    }
}

/// The problems found so far, as diagnostics of one file.
struct Problems {
    let file: String
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String) { self.file = file }

    mutating func add(_ message: String, at location: SourceLocation) {
        diagnostics.append(ConfigDiagnostic(file: file, location: location, message: message))
    }
}
