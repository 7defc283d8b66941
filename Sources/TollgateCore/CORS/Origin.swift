/// A web origin in canonical form (`https://app.example.com:8443`), or the
/// opaque origin `null`, as browsers send in the `Origin` header.
///
/// Normalisation: scheme and host lower-cased, a default port (80 for `http`,
/// 443 for `https`) dropped. Nothing else is forgiven: userinfo, a path (even a
/// lone `/`), a query or a fragment make the text not an origin at all. A
/// trailing dot on the host is kept, so `https://example.com.` is a different
/// origin from `https://example.com` and never matches an entry written
/// without the dot (browsers serialise the host as the page was addressed).
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    /// The canonical serialisation: what a browser sends, and what is compared.
    public let serialized: String
    /// Lower-case scheme; empty for `null`.
    public let scheme: String
    /// Lower-case host (IPv6 literals keep their brackets); empty for `null`.
    public let host: String
    /// The port if it is not the scheme's default.
    public let port: Int?

    /// The opaque origin of sandboxed frames, `file:` pages and redirects.
    public static let null = Origin(serialized: "null", scheme: "", host: "", port: nil)

    public var isNull: Bool { serialized == "null" }

    public init(parsing text: some StringProtocol) throws(OriginError) {
        let parsed: Result<Origin, InvalidOrigin> = text.withUTF8Bytes { bytes in
            OriginSyntax.scan(bytes).map { Origin(syntax: $0, bytes: bytes) }
        }
        switch parsed {
        case .success(let origin): self = origin
        case .failure(let failure): throw OriginError(text: String(text), reason: failure.reason)
        }
    }

    /// The origin a request was sent to: the scheme the client used and its
    /// `Host` header (`example.com`, `Example.com:8443`, `[::1]:8080`).
    public init(scheme: String, hostHeader: some StringProtocol) throws(OriginError) {
        try self.init(parsing: scheme + "://" + hostHeader)
    }

    init(syntax: OriginSyntax, bytes: UnsafeBufferPointer<UInt8>) {
        if syntax.isNull {
            self = .null
            return
        }
        let scheme = String(decoding: bytes[syntax.scheme].map(ASCII.lowercased), as: UTF8.self)
        let host = String(decoding: bytes[syntax.host].map(ASCII.lowercased), as: UTF8.self)
        let port = syntax.effectivePort(in: bytes)
        let serialized = scheme + "://" + host + (port.map { ":\($0)" } ?? "")
        self.init(serialized: serialized, scheme: scheme, host: host, port: port)
    }

    private init(serialized: String, scheme: String, host: String, port: Int?) {
        self.serialized = serialized
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    public var description: String { serialized }
}

/// Why a text is not an origin (or an allowed-origin pattern); `description`
/// names the text and the rule it breaks.
public struct OriginError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case missingScheme
        case invalidHost
        case invalidPort
        case userinfo
        case pathQueryOrFragment
        /// A `*` anywhere but a whole leading label of the host (`https://*.example.com`), or alone.
        case misplacedWildcard
    }

    public var text: String
    public var reason: Reason
    /// Where the text was configured; `.unknown` for request values.
    public var location: SourceLocation

    public init(text: String, reason: Reason, location: SourceLocation = .unknown) {
        self.text = text
        self.reason = reason
        self.location = location
    }

    public var description: String {
        let why = switch reason {
        case .missingScheme: "it needs a scheme, as in https://app.example.com"
        case .invalidHost: "its host is not a valid name or [IPv6] literal"
        case .invalidPort: "its port must be a number from 1 to 65535"
        case .userinfo: "an origin carries no user information (user@)"
        case .pathQueryOrFragment: "an origin has no path, query or fragment (not even a trailing '/')"
        case .misplacedWildcard: "'*' may only be the whole first label of the host (https://*.example.com) or the whole entry"
        }
        return "'\(text)' is not an origin (scheme://host[:port]): \(why)"
    }
}
