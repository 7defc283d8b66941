/// The whole configuration file as a typed model, before compilation. Every
/// section of SPEC's schema has a field here, with SPEC's defaults; values that
/// other sections refer to keep their source location for precise errors.
public struct GatewayConfig: Sendable, Equatable {
    public var server: ServerConfig
    public var limits: LimitsConfig
    public var issuers: [IssuerConfig]
    public var scopes: ScopesConfig
    public var clients: [ClientConfig]
    /// `nil` when the file has no `cors:` section: no cross-origin browser request is allowed.
    public var cors: CORSConfig?
    public var upstreams: [UpstreamConfig]
    public var forward: ForwardConfig
    public var routes: [RouteConfig]
    public var accessLog: AccessLogConfig
    public var cache: CacheConfig

    public init(
        server: ServerConfig,
        limits: LimitsConfig = LimitsConfig(),
        issuers: [IssuerConfig] = [],
        scopes: ScopesConfig = ScopesConfig(),
        clients: [ClientConfig] = [],
        cors: CORSConfig? = nil,
        upstreams: [UpstreamConfig] = [],
        forward: ForwardConfig = ForwardConfig(),
        routes: [RouteConfig] = [],
        accessLog: AccessLogConfig = AccessLogConfig(),
        cache: CacheConfig = CacheConfig()
    ) {
        self.server = server
        self.limits = limits
        self.issuers = issuers
        self.scopes = scopes
        self.clients = clients
        self.cors = cors
        self.upstreams = upstreams
        self.forward = forward
        self.routes = routes
        self.accessLog = accessLog
        self.cache = cache
    }
}

/// A `host:port` to listen on or connect to. IPv6 hosts are written `[::1]:8080`.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// `server:`: where the gateway listens and how many event loops it runs.
public struct ServerConfig: Sendable, Equatable {
    public enum Workers: Sendable, Hashable {
        case auto
        case count(Int)
    }

    public var listen: [Located<HostPort>]
    public var tls: TLSConfig?
    public var admin: Located<HostPort>?
    public var workers: Workers
    public var drainTimeout: Duration
    /// `public_origin`: `scheme://host[:port]` as clients see the gateway,
    /// normalised; DPoP proofs' `htu` is checked against it (else the listener's scheme and `Host`).
    public var publicOrigin: Located<String>?

    public init(
        listen: [Located<HostPort>],
        tls: TLSConfig? = nil,
        admin: Located<HostPort>? = nil,
        workers: Workers = .auto,
        drainTimeout: Duration = .seconds(30),
        publicOrigin: Located<String>? = nil
    ) {
        self.listen = listen
        self.tls = tls
        self.admin = admin
        self.workers = workers
        self.drainTimeout = drainTimeout
        self.publicOrigin = publicOrigin
    }
}

/// `server.tls:`: PEM files for TLS on the listeners.
public struct TLSConfig: Sendable, Equatable {
    public var certificate: Located<String>
    public var privateKey: Located<String>
    /// `client_ca`: CA certificates (PEM) against which client certificates are
    /// validated; when set, the listener requests (does not require) one (RFC 8705).
    public var clientCA: Located<String>?

    public init(certificate: Located<String>, privateKey: Located<String>, clientCA: Located<String>? = nil) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.clientCA = clientCA
    }
}

/// `limits:`: what a client may send and how long it may take.
public struct LimitsConfig: Sendable, Equatable {
    public var maxHeaderBytes: Int = 32 * 1024
    public var maxBodyBytes: Int = 10 * 1024 * 1024
    public var maxRequestLineBytes: Int = 8 * 1024
    public var idleTimeout: Duration = .seconds(60)
    public var requestTimeout: Duration = .seconds(30)
    public var headerTimeout: Duration = .seconds(10)
    public var maxConnections: Int = 10_000
    /// HTTP/2: streams one client connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    public var http2MaxConcurrentStreams: Int = 100
    /// HTTP/2: RST_STREAM frames a client may send per `http2FloodWindow` (rapid reset, CVE-2023-44487).
    public var http2MaxResetFrames: Int = 200
    /// HTTP/2: PING, SETTINGS and PRIORITY frames a client may send per `http2FloodWindow`.
    public var http2MaxControlFrames: Int = 200
    /// The window the two frame counts above are measured over.
    public var http2FloodWindow: Duration = .seconds(30)
    /// HTTP/2: CONTINUATION frames one header block may span.
    public var http2MaxContinuationFrames: Int = 5
    /// HTTP/2: control frames (PING and SETTINGS acknowledgements) queued for a client that does not read them.
    public var http2MaxBufferedControlFrames: Int = 1000

    public init() {}
}

/// One entry of `issuers:`: a JWT issuer (with exactly one key source) or an
/// RFC 7662 introspection endpoint for opaque tokens.
public struct IssuerConfig: Sendable, Equatable {
    /// Where a JWT issuer's verification keys come from.
    public enum KeySource: Sendable, Hashable {
        case jwksFile(String)
        case jwksURI(String)
        case discoveryURL(String)
    }

    public var name: Located<String>
    /// The exact `iss` value; required for JWT issuers.
    public var issuer: Located<String>?
    public var audiences: [Located<String>]
    public var keySource: Located<KeySource>?
    public var algorithms: [Located<JWSAlgorithm>]
    public var leeway: Duration
    public var requireTyp: String?
    /// `nil`: `scope` (space-delimited), else `scp` (array or string).
    public var scopeClaim: String?
    /// `nil`: `client_id`, else `azp`.
    public var clientIdClaim: String?
    public var jwksRefresh: Duration
    public var jwksRefetchCooldown: Duration
    public var caFile: Located<String>?
    public var introspection: IntrospectionConfig?
    /// `dpop:`, or its defaults when the entry has none.
    public var dpop: DPoPConfig
    /// Where the entry starts, for rules about the entry as a whole.
    public var location: SourceLocation

    public init(
        name: Located<String>,
        issuer: Located<String>? = nil,
        audiences: [Located<String>] = [],
        keySource: Located<KeySource>? = nil,
        algorithms: [Located<JWSAlgorithm>] = JWSAlgorithm.defaultAllowed.map { Located($0) },
        leeway: Duration = .seconds(30),
        requireTyp: String? = nil,
        scopeClaim: String? = nil,
        clientIdClaim: String? = nil,
        jwksRefresh: Duration = .seconds(600),
        jwksRefetchCooldown: Duration = .seconds(30),
        caFile: Located<String>? = nil,
        introspection: IntrospectionConfig? = nil,
        dpop: DPoPConfig = DPoPConfig(),
        location: SourceLocation = .unknown
    ) {
        self.dpop = dpop
        self.name = name
        self.issuer = issuer
        self.audiences = audiences
        self.keySource = keySource
        self.algorithms = algorithms
        self.leeway = leeway
        self.requireTyp = requireTyp
        self.scopeClaim = scopeClaim
        self.clientIdClaim = clientIdClaim
        self.jwksRefresh = jwksRefresh
        self.jwksRefetchCooldown = jwksRefetchCooldown
        self.caFile = caFile
        self.introspection = introspection
        self.location = location
    }
}

/// `issuers[].introspection:` (RFC 7662, client_secret_basic).
public struct IntrospectionConfig: Sendable, Equatable {
    public var endpoint: Located<String>
    public var clientId: String
    /// The name of the environment variable holding the secret; the secret itself never appears in config.
    public var clientSecretEnv: Located<String>
    public var cacheTTL: Duration
    /// Calls to the endpoint in flight at once for different tokens; a request
    /// whose token would start one more gets 503 at once, so a flood of unique
    /// opaque tokens cannot flood the authorization server.
    public var maxInFlight: Int

    public init(
        endpoint: Located<String>,
        clientId: String,
        clientSecretEnv: Located<String>,
        cacheTTL: Duration = .seconds(60),
        maxInFlight: Int = IntrospectionConfig.defaultMaxInFlight
    ) {
        self.endpoint = endpoint
        self.clientId = clientId
        self.clientSecretEnv = clientSecretEnv
        self.cacheTTL = cacheTTL
        self.maxInFlight = maxInFlight
    }

    public static let defaultMaxInFlight = 64
}

/// `scopes:`: implication rules, in file order (`admin.apps: [apps]`).
public struct ScopesConfig: Sendable, Equatable {
    public struct Implication: Sendable, Equatable {
        public var scope: Located<String>
        public var implies: [Located<String>]

        public init(scope: Located<String>, implies: [Located<String>]) {
            self.scope = scope
            self.implies = implies
        }
    }

    public var implies: [Implication]

    public init(implies: [Implication] = []) {
        self.implies = implies
    }
}

/// One entry of `clients:`: an OAuth client's own origin allowlist.
public struct ClientConfig: Sendable, Equatable {
    public var clientId: Located<String>
    public var allowedOrigins: [Located<String>]

    public init(clientId: Located<String>, allowedOrigins: [Located<String>]) {
        self.clientId = clientId
        self.allowedOrigins = allowedOrigins
    }
}

/// `cors:` globally or on a route. Every field is optional so that a route's
/// policy can override the global one field by field; the CORS compiler fills
/// what neither sets with its defaults.
public struct CORSConfig: Sendable, Equatable {
    public var allowedOrigins: [Located<String>]?
    public var allowedMethods: [Located<String>]?
    public var allowedHeaders: [Located<String>]?
    public var exposedHeaders: [Located<String>]?
    public var allowCredentials: Located<Bool>?
    public var maxAge: Duration?
    public var location: SourceLocation

    public init(
        allowedOrigins: [Located<String>]? = nil,
        allowedMethods: [Located<String>]? = nil,
        allowedHeaders: [Located<String>]? = nil,
        exposedHeaders: [Located<String>]? = nil,
        allowCredentials: Located<Bool>? = nil,
        maxAge: Duration? = nil,
        location: SourceLocation = .unknown
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.allowCredentials = allowCredentials
        self.maxAge = maxAge
        self.location = location
    }

    /// A route's policy laid over this one: each field the route sets replaces ours.
    public func overridden(by route: CORSConfig) -> CORSConfig {
        CORSConfig(
            allowedOrigins: route.allowedOrigins ?? allowedOrigins,
            allowedMethods: route.allowedMethods ?? allowedMethods,
            allowedHeaders: route.allowedHeaders ?? allowedHeaders,
            exposedHeaders: route.exposedHeaders ?? exposedHeaders,
            allowCredentials: route.allowCredentials ?? allowCredentials,
            maxAge: route.maxAge ?? maxAge,
            location: route.location
        )
    }
}

/// Where an upstream target lives: `host:port`, or `https://host[:port]` for TLS.
public struct UpstreamTarget: Sendable, Hashable, CustomStringConvertible {
    public var tls: Bool
    public var address: HostPort

    public init(tls: Bool, address: HostPort) {
        self.tls = tls
        self.address = address
    }

    public var description: String { tls ? "https://\(address)" : address.description }
}

/// One entry of `upstreams:`: a named pool of targets.
public struct UpstreamConfig: Sendable, Equatable {
    public enum Balance: String, Sendable, Hashable {
        case roundRobin = "round_robin"
        case leastConnections = "least_connections"
    }

    public enum HostHeader: String, Sendable, Hashable {
        case preserve
        case target
    }

    public var name: Located<String>
    public var targets: [Located<UpstreamTarget>]
    public var balance: Balance
    public var connectTimeout: Duration
    public var timeout: Duration
    public var maxIdleConnections: Int
    public var maxConnections: Int
    public var hostHeader: HostHeader
    public var caFile: Located<String>?
    public var clientCertificate: Located<String>?
    public var clientPrivateKey: Located<String>?

    public init(
        name: Located<String>,
        targets: [Located<UpstreamTarget>],
        balance: Balance = .roundRobin,
        connectTimeout: Duration = .seconds(2),
        timeout: Duration = .seconds(30),
        maxIdleConnections: Int = 64,
        maxConnections: Int = 1024,
        hostHeader: HostHeader = .preserve,
        caFile: Located<String>? = nil,
        clientCertificate: Located<String>? = nil,
        clientPrivateKey: Located<String>? = nil
    ) {
        self.name = name
        self.targets = targets
        self.balance = balance
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxIdleConnections = maxIdleConnections
        self.maxConnections = maxConnections
        self.hostHeader = hostHeader
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientPrivateKey = clientPrivateKey
    }
}

/// `forward:`: identity headers set from verified claims, in file order.
public struct ForwardConfig: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: Located<String>
        public var claim: String

        public init(name: Located<String>, claim: String) {
            self.name = name
            self.claim = claim
        }
    }

    public var headers: [Header]
    public var stripAuthorization: Bool

    public init(headers: [Header] = [], stripAuthorization: Bool = false) {
        self.headers = headers
        self.stripAuthorization = stripAuthorization
    }

    /// Whether the gateway writes header `name` itself, so no claim may set it:
    /// a claim-valued `Content-Length`, `Transfer-Encoding` or `Host` would let
    /// a token decide how the upstream frames or routes the request.
    public static func isGatewayOwned(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return gatewayOwnedHeaders.contains(lowered) || lowered.hasPrefix("proxy-")
    }

    private static let gatewayOwnedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade",
        "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id",
    ]
}

/// Whether a route needs a token.
public enum AuthMode: String, Sendable, Hashable {
    case required
    case optional
    case none
}

/// One entry of `routes:` as written.
public struct RouteConfig: Sendable, Equatable {
    /// `routes[].name`; defaults to the path pattern.
    public var name: Located<String>?
    public var path: Located<String>
    /// `nil`: every method.
    public var methods: [Located<String>]?
    /// Exact host or `*.example.com`.
    public var host: Located<String>?
    public var upstream: Located<String>
    public var auth: Located<AuthMode>
    public var scopes: [Located<String>]?
    public var anyScopes: [Located<String>]?
    public var issuers: [Located<String>]?
    public var stripPrefix: Located<String>?
    public var cors: CORSConfig?
    /// Where the entry starts.
    public var location: SourceLocation

    public init(
        name: Located<String>? = nil,
        path: Located<String>,
        methods: [Located<String>]? = nil,
        host: Located<String>? = nil,
        upstream: Located<String>,
        auth: Located<AuthMode> = Located(.required),
        scopes: [Located<String>]? = nil,
        anyScopes: [Located<String>]? = nil,
        issuers: [Located<String>]? = nil,
        stripPrefix: Located<String>? = nil,
        cors: CORSConfig? = nil,
        location: SourceLocation = .unknown
    ) {
        self.name = name
        self.path = path
        self.methods = methods
        self.host = host
        self.upstream = upstream
        self.auth = auth
        self.scopes = scopes
        self.anyScopes = anyScopes
        self.issuers = issuers
        self.stripPrefix = stripPrefix
        self.cors = cors
        self.location = location
    }

    /// The name used in logs, metrics, `routes` and `explain`.
    public var displayName: String { name?.value ?? path.value }
}

/// `access_log:`: one JSON line per request.
public struct AccessLogConfig: Sendable, Equatable {
    public var enabled: Bool
    /// `stdout`, `stderr`, or a file path.
    public var path: String

    public init(enabled: Bool = true, path: String = "stdout") {
        self.enabled = enabled
        self.path = path
    }
}

/// `cache:`: bounds of the token caches.
public struct CacheConfig: Sendable, Equatable {
    /// Verified-token cache entries per worker.
    public var tokens: Int
    /// Introspection results per process.
    public var introspection: Int
    /// DPoP proof `jti` values remembered per process (memory replay store); when
    /// full, new proofs are refused until entries expire.
    public var dpopJTIs: Int
    /// DPoP proof keys kept per worker by RFC 7638 thumbprint, so that a client's
    /// next proof does not build its key again; 0 keeps none.
    public var dpopKeys: Int

    public init(
        tokens: Int = 100_000, introspection: Int = 100_000, dpopJTIs: Int = 1_000_000,
        dpopKeys: Int = DPoPKeyCache.defaultCapacity
    ) {
        self.tokens = tokens
        self.introspection = introspection
        self.dpopJTIs = dpopJTIs
        self.dpopKeys = dpopKeys
    }
}
