/// What the server knows about one request when the core decides on it:
/// plain values read from the request head, nothing NIO-specific.
public struct RequestFacts: Sendable {
    /// How many `Authorization` headers the request carried, and the one value.
    public enum Authorization: Sendable, Hashable {
        case absent
        case one(String)
        case several
    }

    public var method: String
    /// The raw request target (`/path?query`).
    public var target: String
    /// The `Host` header as sent (with any port), if present.
    public var host: String?
    public var authorization: Authorization
    /// The `DPoP` proof header(s) (RFC 9449 §4.1).
    public var dpop: DPoPHeader
    /// The base64url SHA-256 of the DER client certificate presented on this
    /// TLS connection (RFC 8705 §3.1), set by a listener that requests one.
    public var clientCertificateThumbprint: String?
    /// How many `DPoP` headers the request carried, and the one value.
    public enum DPoPHeader: Sendable, Hashable {
        case absent
        case one(String)
        case several
    }

    /// The `Origin` header, if present.
    public var origin: String?
    /// `http` or `https`, as the client connected.
    public var scheme: String
    /// `Access-Control-Request-Method`, when present (with `OPTIONS` and `Origin`: a preflight).
    public var accessControlRequestMethod: String?
    /// `Access-Control-Request-Headers`, repeated fields joined with `,`.
    public var accessControlRequestHeaders: String?

    public init(
        method: String,
        target: String,
        host: String?,
        authorization: Authorization,
        origin: String? = nil,
        scheme: String = "http",
        accessControlRequestMethod: String? = nil,
        accessControlRequestHeaders: String? = nil,
        dpop: DPoPHeader = .absent,
        clientCertificateThumbprint: String? = nil
    ) {
        self.dpop = dpop
        self.clientCertificateThumbprint = clientCertificateThumbprint
        self.method = method
        self.target = target
        self.host = host
        self.authorization = authorization
        self.origin = origin
        self.scheme = scheme
        self.accessControlRequestMethod = accessControlRequestMethod
        self.accessControlRequestHeaders = accessControlRequestHeaders
    }

    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method` (Fetch standard).
    public var isPreflight: Bool {
        method == "OPTIONS" && origin != nil && accessControlRequestMethod != nil
    }
}
