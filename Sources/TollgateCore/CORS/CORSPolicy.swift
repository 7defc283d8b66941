/// One compiled CORS policy — the global `cors:`, or a route's `cors:` laid over
/// it field by field — answering preflights and checking actual requests'
/// `Origin`, with every fixed response header computed once.
///
/// Defaults for fields neither the route nor the global section sets:
/// `allowed_origins` none (no cross-origin request passes; same-origin ones
/// still do), `allowed_methods` GET, HEAD, POST, `allowed_headers` none (the
/// browser itself admits the CORS-safelisted ones), `exposed_headers` none,
/// `allow_credentials` false, and `max_age` unset: no
/// `Access-Control-Max-Age` is sent, so browsers apply their own default (5 s).
///
/// Methods are compared case-sensitively, as HTTP defines them; header names
/// case-insensitively. `*` in `allowed_methods` or `allowed_headers` allows
/// any, and the preflight answer then echoes what was requested (so it also
/// covers `Authorization`, which a literal `*` would not). The allowed-origin
/// response header always echoes the request's origin, never `*`.
///
/// A class, immutable: every request's decision reads its route's policy,
/// and as a struct its dozen references were copied (retained and released)
/// for each request, about 0.2 µs in the session 9 profile.
public final class CORSPolicy: Sendable {
    public let origins: OriginMatcher
    /// As configured (or the default), in order.
    public let allowedMethods: [String]
    /// As configured, in order.
    public let allowedHeaders: [String]
    public let exposedHeaders: [String]
    public let allowCredentials: Bool
    /// Whole seconds; `nil` sends no `Access-Control-Max-Age`.
    public let maxAgeSeconds: Int?

    private let allowsAnyMethod: Bool
    private let allowsAnyHeader: Bool
    /// Lower-case, for case-insensitive comparison.
    private let allowedHeaderNames: [String]
    /// After `Access-Control-Allow-Origin` on a preflight answer, minus the
    /// echoed method/headers when `*` is configured.
    private let preflightMethodsField: HeaderField?
    private let preflightHeadersField: HeaderField?
    private let preflightTrailingFields: [HeaderField]
    /// After `Access-Control-Allow-Origin` on every other response.
    private let actualFields: [HeaderField]

    public static let defaultMethods = ["GET", "HEAD", "POST"]

    /// No `cors:` section: no cross-origin request is allowed.
    public static let sameOriginOnly = CORSPolicy(
        origins: .none, allowedMethods: defaultMethods, allowedHeaders: [], exposedHeaders: [],
        allowCredentials: false, maxAgeSeconds: nil
    )

    /// Compiles the policy for a route: its own `cors:` over the global one
    /// (if any), field by field.
    public convenience init(global: CORSConfig?, route: CORSConfig) throws(CORSConfigError) {
        try self.init(config: global.map { $0.overridden(by: route) } ?? route)
    }

    /// Compiles one (already merged) `cors:` section; throws its first problem.
    public convenience init(config: CORSConfig) throws(CORSConfigError) {
        if let problem = Self.problems(in: config).first { throw problem }
        let origins: OriginMatcher
        do {
            origins = try OriginMatcher(allowedOrigins: config.allowedOrigins ?? [])
        } catch {
            throw .invalidOrigin(error)
        }
        self.init(
            origins: origins,
            allowedMethods: config.allowedMethods?.map(\.value) ?? Self.defaultMethods,
            allowedHeaders: config.allowedHeaders?.map(\.value) ?? [],
            exposedHeaders: config.exposedHeaders?.map(\.value) ?? [],
            allowCredentials: config.allowCredentials?.value ?? false,
            maxAgeSeconds: config.maxAge.map { Int($0.components.seconds) }
        )
    }

    /// Every problem in one (already merged) `cors:` section, for `check`.
    public static func problems(in config: CORSConfig) -> [CORSConfigError] {
        var problems: [CORSConfigError] = []
        for origin in config.allowedOrigins ?? [] {
            do {
                _ = try OriginMatcher(allowedOrigins: [origin])
            } catch {
                problems.append(.invalidOrigin(error))
            }
        }
        if let credentials = config.allowCredentials, credentials.value,
           let wildcard = config.allowedOrigins?.first(where: { $0.value == "*" }) {
            problems.append(.wildcardOriginWithCredentials(wildcard.location))
        }
        for method in config.allowedMethods ?? [] where !ASCII.isToken(method.value) {
            problems.append(.invalidMethod(method.value, method.location))
        }
        for header in (config.allowedHeaders ?? []) + (config.exposedHeaders ?? []) where !ASCII.isToken(header.value) {
            problems.append(.invalidHeaderName(header.value, header.location))
        }
        if let maxAge = config.maxAge, maxAge < .zero {
            problems.append(.negativeMaxAge(config.location))
        }
        return problems.sorted { $0.location < $1.location }
    }

    private init(
        origins: OriginMatcher,
        allowedMethods: [String],
        allowedHeaders: [String],
        exposedHeaders: [String],
        allowCredentials: Bool,
        maxAgeSeconds: Int?
    ) {
        self.origins = origins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.allowCredentials = allowCredentials
        self.maxAgeSeconds = maxAgeSeconds
        allowsAnyMethod = allowedMethods.contains("*")
        allowsAnyHeader = allowedHeaders.contains("*")
        allowedHeaderNames = allowedHeaders.map { $0.lowercased() }

        preflightMethodsField = allowsAnyMethod ? nil
            : HeaderField(name: HeaderField.allowMethods, value: allowedMethods.joined(separator: ", "))
        preflightHeadersField = allowsAnyHeader || allowedHeaders.isEmpty ? nil
            : HeaderField(name: HeaderField.allowHeaders, value: allowedHeaders.joined(separator: ", "))
        var trailing: [HeaderField] = []
        if let maxAgeSeconds {
            trailing.append(HeaderField(name: HeaderField.maxAge, value: String(maxAgeSeconds)))
        }
        if allowCredentials {
            trailing.append(HeaderField(name: HeaderField.allowCredentials, value: "true"))
        }
        trailing.append(HeaderField(
            name: HeaderField.vary,
            value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        ))
        preflightTrailingFields = trailing

        var actual = [HeaderField(name: HeaderField.vary, value: "Origin")]
        if allowCredentials {
            actual.append(HeaderField(name: HeaderField.allowCredentials, value: "true"))
        }
        if !exposedHeaders.isEmpty {
            actual.append(HeaderField(name: HeaderField.exposeHeaders, value: exposedHeaders.joined(separator: ", ")))
        }
        actualFields = actual
    }

    /// Answers a preflight. `requestHeaders` is the `Access-Control-Request-Headers`
    /// value (repeated fields joined with `,`), or `nil` when absent. Checks,
    /// in order: origin, method, each requested header. The answer's headers,
    /// in order: `-Allow-Origin` (echoed), `-Allow-Methods`, `-Allow-Headers`
    /// (when any are configured or echoed), `-Max-Age` (when set),
    /// `-Allow-Credentials` (when true), `Vary`.
    public func preflight(origin: String, requestMethod: String, requestHeaders: String?) -> CORSPreflightDecision {
        guard origins.matches(origin) else { return .denied(.originNotAllowed(origin)) }
        guard ASCII.isToken(requestMethod), allowsAnyMethod || allowedMethods.contains(requestMethod) else {
            return .denied(.methodNotAllowed(requestMethod))
        }
        var requested: [Substring] = []
        if let requestHeaders {
            for element in requestHeaders.split(separator: ",", omittingEmptySubsequences: false) {
                let name = Self.trimmingWhitespace(element)
                if name.isEmpty { continue }
                guard ASCII.isToken(name), allowsAnyHeader || allowsHeader(name) else {
                    return .denied(.headerNotAllowed(String(name)))
                }
                requested.append(name)
            }
        }

        var fields = [HeaderField(name: HeaderField.allowOrigin, value: origin)]
        fields.append(preflightMethodsField ?? HeaderField(name: HeaderField.allowMethods, value: requestMethod))
        if let preflightHeadersField {
            fields.append(preflightHeadersField)
        } else if allowsAnyHeader, !requested.isEmpty {
            fields.append(HeaderField(name: HeaderField.allowHeaders, value: requested.joined(separator: ", ")))
        }
        fields.append(contentsOf: preflightTrailingFields)
        return .allowed(fields)
    }

    /// Checks an actual request's `Origin` (the caller skips requests without
    /// one). A listed origin is allowed with the headers to add; otherwise the
    /// request's own origin — `requestScheme` as the client used it and its
    /// `Host` header — passes without CORS headers; anything else is denied.
    public func check(origin: String, requestScheme: String, requestHost: String?) -> CORSRequestDecision {
        if origins.matches(origin) {
            return .allowed(CORSResponseHeaders(allowOrigin: origin, fields: actualFields))
        }
        if let requestHost, Self.isSameOrigin(origin, scheme: requestScheme, host: requestHost) {
            return .sameOrigin
        }
        return .denied(.originNotAllowed(origin))
    }

    /// Whether `origin` is the request's own origin: same scheme, host
    /// (case-insensitive, a trailing dot counting) and effective port as
    /// `scheme` and the `Host` header. `null` is never anyone's own origin.
    public static func isSameOrigin(_ origin: String, scheme: String, host: String) -> Bool {
        origin.withUTF8Bytes { originBytes in
            guard case .success(let syntax) = OriginSyntax.scan(originBytes), !syntax.isNull,
                  scheme.withUTF8Bytes({ ASCII.equalsIgnoringCase(originBytes[syntax.scheme], $0[...]) })
            else { return false }
            return host.withUTF8Bytes { hostBytes in
                guard case .success(let authority) = OriginSyntax.scanAuthority(hostBytes, from: 0) else { return false }
                let defaultPort = OriginSyntax.defaultPort(scheme: originBytes[syntax.scheme])
                let requestPort = authority.port == defaultPort ? nil : authority.port
                return syntax.effectivePort(in: originBytes) == requestPort
                    && ASCII.equalsIgnoringCase(originBytes[syntax.host], hostBytes[authority.host])
            }
        }
    }

    private func allowsHeader(_ name: Substring) -> Bool {
        allowedHeaderNames.contains { ASCII.equalsIgnoringCase($0.utf8, name.utf8) }
    }

    private static func trimmingWhitespace(_ text: Substring) -> Substring {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isWhitespace($0) }),
              let last = text.lastIndex(where: { !isWhitespace($0) })
        else { return text[text.endIndex...] }
        return text[first...last]
    }
}
