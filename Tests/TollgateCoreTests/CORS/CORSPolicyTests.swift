import Testing
import TollgateCore

@Suite struct CORSPolicyTests {
    static let global = CORSConfig(
        allowedOrigins: [Located("https://dashboard.example.com"), Located("https://*.example.com")],
        allowedMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"].map { Located($0) },
        allowedHeaders: [Located("Authorization"), Located("Content-Type")],
        exposedHeaders: [Located("X-Request-Id")],
        allowCredentials: Located(false),
        maxAge: .seconds(600)
    )

    static let preflightVary = HeaderField(
        name: "Vary", value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )

    // MARK: preflight

    @Test func preflightAllowedAnswersWithExactlyTheseHeaders() throws {
        let policy = try CORSPolicy(config: Self.global)
        let decision = policy.preflight(
            origin: "https://app.example.com", requestMethod: "PUT", requestHeaders: "authorization, Content-Type"
        )
        #expect(decision == .allowed([
            HeaderField(name: "Access-Control-Allow-Origin", value: "https://app.example.com"),
            HeaderField(name: "Access-Control-Allow-Methods", value: "GET, POST, PUT, PATCH, DELETE"),
            HeaderField(name: "Access-Control-Allow-Headers", value: "Authorization, Content-Type"),
            HeaderField(name: "Access-Control-Max-Age", value: "600"),
            Self.preflightVary,
        ]))
    }

    @Test(arguments: [
        nil, "", "Authorization", "AUTHORIZATION", "authorization,content-type",
        " authorization ,\tcontent-type\t", "authorization,,content-type,", ", ,",
    ])
    func requestHeadersListParsingIsTolerantAndCaseInsensitive(requested: String?) throws {
        let policy = try CORSPolicy(config: Self.global)
        guard case .allowed = policy.preflight(origin: "https://dashboard.example.com", requestMethod: "GET", requestHeaders: requested) else {
            Issue.record("\(String(describing: requested)) should be allowed")
            return
        }
    }

    @Test func preflightDeniesAnOriginNotAllowed() throws {
        let policy = try CORSPolicy(config: Self.global)
        for origin in ["https://evil-example.com", "https://example.com.evil.com", "http://app.example.com", "null", "garbage"] {
            #expect(policy.preflight(origin: origin, requestMethod: "GET", requestHeaders: nil) == .denied(.originNotAllowed(origin)))
        }
    }

    @Test func preflightDeniesAMethodNotAllowedCaseSensitively() throws {
        let policy = try CORSPolicy(config: Self.global)
        for method in ["OPTIONS", "put", "TRACE", "", "GET POST"] {
            #expect(policy.preflight(origin: "https://dashboard.example.com", requestMethod: method, requestHeaders: nil)
                == .denied(.methodNotAllowed(method)))
        }
    }

    @Test func preflightDeniesAHeaderNotAllowedAndNamesIt() throws {
        let policy = try CORSPolicy(config: Self.global)
        #expect(policy.preflight(origin: "https://dashboard.example.com", requestMethod: "GET", requestHeaders: "authorization, X-Debug")
            == .denied(.headerNotAllowed("X-Debug")))
        #expect(policy.preflight(origin: "https://dashboard.example.com", requestMethod: "GET", requestHeaders: "authorization content-type")
            == .denied(.headerNotAllowed("authorization content-type")))
        #expect(policy.preflight(origin: "https://dashboard.example.com", requestMethod: "GET", requestHeaders: "accept")
            == .denied(.headerNotAllowed("accept")))
    }

    @Test func preflightChecksOriginBeforeMethodBeforeHeaders() throws {
        let policy = try CORSPolicy(config: Self.global)
        #expect(policy.preflight(origin: "https://evil.com", requestMethod: "TRACE", requestHeaders: "x-a")
            == .denied(.originNotAllowed("https://evil.com")))
        #expect(policy.preflight(origin: "https://a.example.com", requestMethod: "TRACE", requestHeaders: "x-a")
            == .denied(.methodNotAllowed("TRACE")))
    }

    @Test func defaultsAllowSimpleMethodsNoHeadersAndSendNoMaxAge() throws {
        let policy = try CORSPolicy(config: CORSConfig(allowedOrigins: [Located("https://a.test")]))
        #expect(policy.allowedMethods == ["GET", "HEAD", "POST"])
        #expect(!policy.allowCredentials)
        #expect(policy.maxAgeSeconds == nil)
        #expect(policy.preflight(origin: "https://a.test", requestMethod: "POST", requestHeaders: nil) == .allowed([
            HeaderField(name: "Access-Control-Allow-Origin", value: "https://a.test"),
            HeaderField(name: "Access-Control-Allow-Methods", value: "GET, HEAD, POST"),
            Self.preflightVary,
        ]))
        #expect(policy.preflight(origin: "https://a.test", requestMethod: "DELETE", requestHeaders: nil) == .denied(.methodNotAllowed("DELETE")))
        #expect(policy.preflight(origin: "https://a.test", requestMethod: "POST", requestHeaders: "authorization")
            == .denied(.headerNotAllowed("authorization")))
    }

    @Test func wildcardMethodsAndHeadersEchoWhatWasRequested() throws {
        let policy = try CORSPolicy(config: CORSConfig(
            allowedOrigins: [Located("*")], allowedMethods: [Located("*")], allowedHeaders: [Located("*")]
        ))
        #expect(policy.preflight(origin: "https://any.test", requestMethod: "PURGE", requestHeaders: "Authorization, x-custom") == .allowed([
            HeaderField(name: "Access-Control-Allow-Origin", value: "https://any.test"),
            HeaderField(name: "Access-Control-Allow-Methods", value: "PURGE"),
            HeaderField(name: "Access-Control-Allow-Headers", value: "Authorization, x-custom"),
            Self.preflightVary,
        ]))
        #expect(policy.preflight(origin: "null", requestMethod: "GET", requestHeaders: nil) == .denied(.originNotAllowed("null")))
        #expect(policy.preflight(origin: "https://any.test", requestMethod: "BAD METHOD", requestHeaders: nil)
            == .denied(.methodNotAllowed("BAD METHOD")))
        #expect(policy.preflight(origin: "https://any.test", requestMethod: "GET", requestHeaders: "x\u{1}y")
            == .denied(.headerNotAllowed("x\u{1}y")))
    }

    // MARK: credentials

    @Test func credentialsAddTheHeaderAndTheOriginIsEchoedNeverStar() throws {
        var config = Self.global
        config.allowCredentials = Located(true)
        let policy = try CORSPolicy(config: config)
        #expect(policy.preflight(origin: "https://dashboard.example.com", requestMethod: "GET", requestHeaders: nil) == .allowed([
            HeaderField(name: "Access-Control-Allow-Origin", value: "https://dashboard.example.com"),
            HeaderField(name: "Access-Control-Allow-Methods", value: "GET, POST, PUT, PATCH, DELETE"),
            HeaderField(name: "Access-Control-Allow-Headers", value: "Authorization, Content-Type"),
            HeaderField(name: "Access-Control-Max-Age", value: "600"),
            HeaderField(name: "Access-Control-Allow-Credentials", value: "true"),
            Self.preflightVary,
        ]))
        let decision = policy.check(origin: "https://dashboard.example.com", requestScheme: "https", requestHost: "api.example.com")
        guard case .allowed(let headers) = decision else {
            Issue.record("expected allowed, got \(decision)")
            return
        }
        #expect(headers.all == [
            HeaderField(name: "Access-Control-Allow-Origin", value: "https://dashboard.example.com"),
            HeaderField(name: "Vary", value: "Origin"),
            HeaderField(name: "Access-Control-Allow-Credentials", value: "true"),
            HeaderField(name: "Access-Control-Expose-Headers", value: "X-Request-Id"),
        ])
    }

    @Test func starWithCredentialsIsAConfigError() {
        let location = TollgateCore.SourceLocation(line: 3, column: 20)
        let config = CORSConfig(allowedOrigins: [Located("*", at: location)], allowCredentials: Located(true))
        #expect(throws: CORSConfigError.wildcardOriginWithCredentials(location)) { try CORSPolicy(config: config) }
        #expect(CORSConfigError.wildcardOriginWithCredentials(location).description.contains("allow_credentials"))
        let starWithout = CORSConfig(allowedOrigins: [Located("*")], allowCredentials: Located(false))
        #expect(CORSPolicy.problems(in: starWithout).isEmpty)
    }

    // MARK: actual requests

    @Test func actualRequestFromAnAllowedOriginGetsPrecomputedHeaders() throws {
        let policy = try CORSPolicy(config: Self.global)
        #expect(policy.check(origin: "https://a.example.com", requestScheme: "https", requestHost: "api.example.com")
            == .allowed(CORSResponseHeaders(allowOrigin: "https://a.example.com", fields: [
                HeaderField(name: "Vary", value: "Origin"),
                HeaderField(name: "Access-Control-Expose-Headers", value: "X-Request-Id"),
            ])))
    }

    @Test func actualRequestFromAnotherOriginIsDenied() throws {
        let policy = try CORSPolicy(config: Self.global)
        for origin in ["https://evil-example.com", "https://example.com.evil.com", "null", "https://a.example.com/x"] {
            #expect(policy.check(origin: origin, requestScheme: "https", requestHost: "api.example.com")
                == .denied(.originNotAllowed(origin)))
        }
        #expect(policy.check(origin: "https://evil.test", requestScheme: "https", requestHost: nil)
            == .denied(.originNotAllowed("https://evil.test")))
    }

    @Test func sameOriginPassesWithoutCORSHeaders() throws {
        let policy = try CORSPolicy(config: Self.global)
        #expect(policy.check(origin: "https://api.internal.test", requestScheme: "https", requestHost: "api.internal.test") == .sameOrigin)
        #expect(policy.check(origin: "https://api.example.com", requestScheme: "https", requestHost: "api.example.com")
            != .sameOrigin, "a listed origin gets CORS headers even when it is also the request's own")
    }

    @Test(arguments: [
        ("https://api.test", "https", "api.test", true),
        ("https://api.test", "https", "API.Test:443", true),
        ("https://api.test:443", "HTTPS", "api.test", true),
        ("http://api.test", "http", "api.test:80", true),
        ("http://api.test:8080", "http", "api.test:8080", true),
        ("http://[::1]:8080", "http", "[::1]:8080", true),
        ("http://api.test", "https", "api.test", false),
        ("https://api.test", "http", "api.test", false),
        ("https://api.test", "https", "api.test:8443", false),
        ("https://api.test:8443", "https", "api.test", false),
        ("https://api.test.", "https", "api.test", false),
        ("https://api.test", "https", "api.test.", false),
        ("https://api.test", "https", "api.test.evil.com", false),
        ("https://api.test", "https", "user@api.test", false),
        ("https://api.test", "https", "", false),
        ("null", "https", "api.test", false),
        ("https://api.test/", "https", "api.test", false),
    ])
    func sameOriginRule(origin: String, scheme: String, host: String, same: Bool) {
        #expect(CORSPolicy.isSameOrigin(origin, scheme: scheme, host: host) == same)
    }

    @Test func noCORSSectionAllowsOnlySameOrigin() {
        let policy = CORSPolicy.sameOriginOnly
        #expect(policy.origins.isEmpty)
        #expect(policy.preflight(origin: "https://a.test", requestMethod: "GET", requestHeaders: nil) == .denied(.originNotAllowed("https://a.test")))
        #expect(policy.check(origin: "https://a.test", requestScheme: "https", requestHost: "api.test") == .denied(.originNotAllowed("https://a.test")))
        #expect(policy.check(origin: "https://api.test", requestScheme: "https", requestHost: "api.test") == .sameOrigin)
    }

    // MARK: route over global

    @Test func routeOverridesTheGlobalPolicyFieldByField() throws {
        let route = CORSConfig(
            allowedOrigins: [Located("https://partner.test")],
            allowedHeaders: [Located("X-Partner")],
            allowCredentials: Located(true)
        )
        let policy = try CORSPolicy(global: Self.global, route: route)
        #expect(policy.allowedMethods == ["GET", "POST", "PUT", "PATCH", "DELETE"], "inherited")
        #expect(policy.allowedHeaders == ["X-Partner"], "replaced")
        #expect(policy.exposedHeaders == ["X-Request-Id"], "inherited")
        #expect(policy.allowCredentials, "replaced")
        #expect(policy.maxAgeSeconds == 600, "inherited")
        #expect(policy.origins.matches("https://partner.test"))
        #expect(!policy.origins.matches("https://dashboard.example.com"), "origins replaced, not merged")
        #expect(policy.preflight(origin: "https://partner.test", requestMethod: "PATCH", requestHeaders: "authorization")
            == .denied(.headerNotAllowed("authorization")))
        #expect(policy.preflight(origin: "https://partner.test", requestMethod: "PATCH", requestHeaders: "x-partner") == .allowed([
            HeaderField(name: "Access-Control-Allow-Origin", value: "https://partner.test"),
            HeaderField(name: "Access-Control-Allow-Methods", value: "GET, POST, PUT, PATCH, DELETE"),
            HeaderField(name: "Access-Control-Allow-Headers", value: "X-Partner"),
            HeaderField(name: "Access-Control-Max-Age", value: "600"),
            HeaderField(name: "Access-Control-Allow-Credentials", value: "true"),
            Self.preflightVary,
        ]))
    }

    @Test func routeCanOverrideWithAnEmptyListOrFalse() throws {
        let route = CORSConfig(exposedHeaders: [], allowCredentials: Located(false), maxAge: .zero)
        var global = Self.global
        global.allowCredentials = Located(true)
        let policy = try CORSPolicy(global: global, route: route)
        #expect(policy.exposedHeaders.isEmpty)
        #expect(!policy.allowCredentials)
        #expect(policy.maxAgeSeconds == 0)
        #expect(policy.check(origin: "https://a.example.com", requestScheme: "https", requestHost: "api.test")
            == .allowed(CORSResponseHeaders(allowOrigin: "https://a.example.com", fields: [HeaderField(name: "Vary", value: "Origin")])))
    }

    @Test func routePolicyWithoutAGlobalOneStandsAlone() throws {
        let policy = try CORSPolicy(global: nil, route: CORSConfig(allowedMethods: [Located("PUT")]))
        #expect(policy.origins.isEmpty)
        #expect(policy.allowedMethods == ["PUT"])
        let own = try CORSPolicy(global: nil, route: CORSConfig(allowedOrigins: [Located("https://a.test")]))
        #expect(own.origins.matches("https://a.test"))
    }

    @Test func routeOverridingOriginsToStarWithInheritedCredentialsIsRefused() {
        var global = Self.global
        global.allowCredentials = Located(true)
        #expect(throws: CORSConfigError.self) {
            try CORSPolicy(global: global, route: CORSConfig(allowedOrigins: [Located("*")]))
        }
    }

    // MARK: config problems

    @Test func problemsListsEveryBadEntryInFileOrder() {
        func at(_ line: Int) -> TollgateCore.SourceLocation { TollgateCore.SourceLocation(line: line, column: 5) }
        let config = CORSConfig(
            allowedOrigins: [Located("https://ok.test", at: at(1)), Located("https://bad.test/", at: at(2))],
            allowedMethods: [Located("GET", at: at(3)), Located("GE T", at: at(4))],
            allowedHeaders: [Located("X-Ok", at: at(5)), Located("X:Bad", at: at(6))],
            exposedHeaders: [Located("", at: at(7))],
            maxAge: .seconds(-1),
            location: at(8)
        )
        let problems = CORSPolicy.problems(in: config)
        #expect(problems.map(\.location.line) == [2, 4, 6, 7, 8])
        #expect(problems[0] == .invalidOrigin(OriginError(text: "https://bad.test/", reason: .pathQueryOrFragment, location: at(2))))
        #expect(problems[1] == .invalidMethod("GE T", at(4)))
        #expect(problems[1].description == "'GE T' is not an HTTP method name")
        #expect(problems[2] == .invalidHeaderName("X:Bad", at(6)))
        #expect(problems[4] == .negativeMaxAge(at(8)))
        #expect(throws: problems[0]) { try CORSPolicy(config: config) }
    }
}
