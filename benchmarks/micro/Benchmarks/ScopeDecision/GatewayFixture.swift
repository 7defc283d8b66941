import MicroFixtures
import TollgateCore

/// A gateway configuration built in code: one RS256 issuer, one upstream,
/// three forwarded identity headers, 256 API scopes that `admin` implies, and
/// a table of generated routes of four shapes, each requiring scopes.
enum GatewayFixture {
    static let scopePool = 256

    static func apiScope(_ k: Int) -> String { "api\(k % scopePool):read" }

    /// The scopes of a token holding `count`: `admin` (which grants every route) and `count - 1` API scopes.
    static func tokenScopes(_ count: Int) -> [String] {
        ["admin"] + (0..<(count - 1)).map(apiScope)
    }

    /// Route `i`: `/svcN/rI` GET (all of one scope), `/svcN/rI/{id}` (any of
    /// two), `/svcN/rI/**` POST (all of two), `/t/rI` on one of 16 hosts.
    static func route(_ i: Int) -> RouteConfig {
        let upstream = Located("app")
        switch i % 4 {
        case 0:
            return RouteConfig(path: Located("/svc\(i % 10)/r\(i)"), methods: [Located("GET")], upstream: upstream,
                               scopes: [Located(apiScope(i))])
        case 1:
            return RouteConfig(path: Located("/svc\(i % 10)/r\(i)/{id}"), upstream: upstream,
                               anyScopes: [Located(apiScope(i)), Located(apiScope(i + 1))])
        case 2:
            return RouteConfig(path: Located("/svc\(i % 10)/r\(i)/**"), methods: [Located("POST")], upstream: upstream,
                               scopes: [Located(apiScope(i)), Located(apiScope(i + 128))])
        default:
            return RouteConfig(path: Located("/t/r\(i)"), host: Located("h\(i % 16).example.com"), upstream: upstream,
                               scopes: [Located(apiScope(i))])
        }
    }

    static func config(routes count: Int) -> GatewayConfig {
        GatewayConfig(
            server: ServerConfig(listen: [Located(HostPort(host: "127.0.0.1", port: 8443))]),
            issuers: [IssuerConfig(
                name: Located(BenchmarkTokens.issuerName),
                issuer: Located(BenchmarkTokens.issuer),
                audiences: [Located(BenchmarkTokens.audience)],
                keySource: Located(.jwksFile("jwks.json")),
                requireTyp: BenchmarkTokens.tokenType
            )],
            scopes: ScopesConfig(implies: [ScopesConfig.Implication(
                scope: Located("admin"),
                implies: (0..<scopePool).map { Located(apiScope($0)) }
            )]),
            upstreams: [UpstreamConfig(
                name: Located("app"),
                targets: [Located(UpstreamTarget(tls: false, address: HostPort(host: "127.0.0.1", port: 9000)))]
            )],
            forward: ForwardConfig(headers: [
                ForwardConfig.Header(name: Located("X-Auth-Subject"), claim: "sub"),
                ForwardConfig.Header(name: Located("X-Auth-Client-Id"), claim: "client_id"),
                ForwardConfig.Header(name: Located("X-Auth-Scopes"), claim: "scope"),
            ]),
            routes: (0..<count).map(route)
        )
    }

    /// 64 requests spread over the table, each routed to route `i` of its shape, carrying `token`.
    static func requests(routes count: Int, token: String) -> [RequestFacts] {
        (0..<64).map { k in
            let i = (k * 7_919) % count
            var target: String
            var host = "gateway.example.com:8443"
            var method = "GET"
            switch i % 4 {
            case 0: target = "/svc\(i % 10)/r\(i)?page=2"
            case 1: target = "/svc\(i % 10)/r\(i)/12345"
            case 2: target = "/svc\(i % 10)/r\(i)/a/b/c"; method = "POST"
            default: target = "/t/r\(i)"; host = "H\(i % 16).Example.com:443"
            }
            return RequestFacts(method: method, target: target, host: host, authorization: .one("Bearer \(token)"), scheme: "https")
        }
    }
}
