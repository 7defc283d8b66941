/// An allowed-origins list compiled for fast matching: exact origins in a hash
/// set, `scheme://*.suffix[:port]` wildcards in a short table, `*`, and `null`.
///
/// Rules:
/// - Exact entries match the same canonical origin (case and default port
///   normalised on both sides).
/// - `https://*.example.com` matches one or more labels before `.example.com`
///   with the same scheme and port; never `https://example.com` itself,
///   `https://example.com.evil.com` or `https://evil-example.com`.
/// - `*` matches every origin except `null`.
/// - `null` matches only when listed literally.
/// - A request value that is not an origin (path, userinfo, spaces…) matches nothing.
///
/// The common case — a browser's canonical `Origin` hitting an exact entry —
/// hashes the header's bytes in place and allocates nothing.
public struct OriginMatcher: Sendable {
    /// A `scheme://*.suffix[:port]` entry.
    struct WildcardOrigin: Sendable, Hashable {
        /// Lower case.
        let scheme: [UInt8]
        /// Lower case, with its leading dot: `.example.com`.
        let hostSuffix: [UInt8]
        /// `nil`: the scheme's default port.
        let port: Int?
    }

    private let exact: Set<String>
    private let wildcards: [WildcardOrigin]
    private let allowsAnyOrigin: Bool
    private let allowsNull: Bool

    /// Matches nothing: no cross-origin request is allowed.
    public static let none = OriginMatcher(exact: [], wildcards: [], allowsAnyOrigin: false, allowsNull: false)

    /// Compiles configured entries; every entry must be an origin, a wildcard
    /// origin, `*` or `null`.
    public init(allowedOrigins: [Located<String>]) throws(OriginError) {
        var exact: Set<String> = []
        var wildcards: [WildcardOrigin] = []
        var allowsAnyOrigin = false
        var allowsNull = false
        for entry in allowedOrigins {
            let text = entry.value
            do {
                if text == "*" {
                    allowsAnyOrigin = true
                } else if text == "null" {
                    allowsNull = true
                } else if let wildcard = try Self.wildcard(parsing: text) {
                    if !wildcards.contains(wildcard) { wildcards.append(wildcard) }
                } else {
                    exact.insert(try Origin(parsing: text).serialized)
                }
            } catch {
                throw OriginError(text: error.text, reason: error.reason, location: entry.location)
            }
        }
        self.init(exact: exact, wildcards: wildcards, allowsAnyOrigin: allowsAnyOrigin, allowsNull: allowsNull)
    }

    /// Compiles entries that did not come from a file.
    public init(allowedOrigins: [String]) throws(OriginError) {
        try self.init(allowedOrigins: allowedOrigins.map { Located($0) })
    }

    private init(exact: Set<String>, wildcards: [WildcardOrigin], allowsAnyOrigin: Bool, allowsNull: Bool) {
        self.exact = exact
        self.wildcards = wildcards
        self.allowsAnyOrigin = allowsAnyOrigin
        self.allowsNull = allowsNull
    }

    /// `*` is configured: with credentials this is refused at compile time.
    public var isWildcard: Bool { allowsAnyOrigin }

    /// Nothing is listed: every cross-origin request is refused.
    public var isEmpty: Bool { exact.isEmpty && wildcards.isEmpty && !allowsAnyOrigin && !allowsNull }

    /// Whether a request's raw `Origin` header value is allowed.
    public func matches(_ header: String) -> Bool {
        // The set holds only canonical origins, so a byte-equal header is one.
        if exact.contains(header) { return true }
        return header.withUTF8Bytes { bytes in
            guard case .success(let syntax) = OriginSyntax.scan(bytes) else { return false }
            if syntax.isNull { return allowsNull }
            if allowsAnyOrigin { return true }
            if !syntax.isCanonical, !exact.isEmpty, exact.contains(Origin(syntax: syntax, bytes: bytes).serialized) {
                return true
            }
            return wildcards.contains { $0.matches(syntax, in: bytes) }
        }
    }

    /// Whether a parsed origin is allowed.
    public func matches(_ origin: Origin) -> Bool {
        matches(origin.serialized)
    }

    /// `scheme://*.suffix[:port]`, `nil` for an entry without `*`.
    private static func wildcard(parsing text: String) throws(OriginError) -> WildcardOrigin? {
        guard text.contains("*") else { return nil }
        guard let separator = text.firstRange(of: "://*.") else {
            throw OriginError(text: text, reason: .misplacedWildcard)
        }
        let rest = text[separator.upperBound...]
        guard !rest.contains("*"), !rest.hasPrefix("[") else {
            throw OriginError(text: text, reason: .misplacedWildcard)
        }
        let base: Origin
        do {
            base = try Origin(parsing: text[..<separator.lowerBound] + "://" + rest)
        } catch {
            throw OriginError(text: text, reason: error.reason)
        }
        return WildcardOrigin(scheme: Array(base.scheme.utf8), hostSuffix: Array(("." + base.host).utf8), port: base.port)
    }
}

extension OriginMatcher.WildcardOrigin {
    /// Same scheme, same effective port, and a host of at least one more label
    /// ending in the suffix (compared case-insensitively, in place).
    func matches(_ syntax: OriginSyntax, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let host = bytes[syntax.host]
        guard host.count > hostSuffix.count,
              syntax.effectivePort(in: bytes) == port,
              ASCII.equalsIgnoringCase(bytes[syntax.scheme], lowercase: scheme)
        else { return false }
        return ASCII.equalsIgnoringCase(host.suffix(hostSuffix.count), lowercase: hostSuffix)
    }
}
