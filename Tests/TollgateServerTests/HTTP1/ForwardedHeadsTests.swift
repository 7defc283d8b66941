import NIOHTTP1
import Testing
import TollgateCore
@testable import TollgateServer

/// The one-pass head builders (`ForwardedRequest`, `ForwardedResponse`):
/// what each direction drops, keeps (in order) and sets, including hostile
/// spellings, and a randomised comparison with the edit-in-place builders
/// they replaced (`LegacyHeads`), which define the expected behaviour.
@Suite("Forwarded heads are built in one pass")
struct ForwardedHeadsTests {
    static func request(_ method: HTTPMethod, _ fields: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: "/in", headers: HTTPHeaders(fields))
    }

    static func request(_ fields: [(String, String)]) -> HTTPRequestHead {
        request(.GET, fields)
    }

    static func forward(
        _ head: HTTPRequestHead,
        stripped: [String] = ["x-user", "authorization"],
        identity: [HeaderField] = [],
        upgrade: String? = nil
    ) -> [(String, String)] {
        let built = ForwardedRequest.head(
            from: head, target: "/out", removing: stripped, identity: identity,
            clientAddress: "127.0.0.1", scheme: "https", requestID: "rid-1", upgrade: upgrade
        )
        #expect(built.uri == "/out")
        #expect(built.version == .http1_1)
        return built.headers.map { ($0.name, $0.value) }
    }

    static func names(_ fields: [(String, String)]) -> [String] { fields.map(\.0) }

    static func value(_ name: String, in fields: [(String, String)]) -> [String] {
        fields.filter { $0.0.lowercased() == name }.map(\.1)
    }

    static let hopByHopSpellings = [
        "connection", "CONNECTION", "Keep-Alive", "kEEP-aLIVE", "TE", "tE", "Trailer", "TRAILER",
        "Transfer-Encoding", "transfer-ENCODING", "Upgrade", "UPGRADE", "Proxy-Authorization", "PROXY-connection", "proxy-",
    ]

    @Test("every hop-by-hop name, in any case, is dropped from the request; the gateway's fields follow the kept ones")
    func requestDropsHopByHop() {
        let fields = Self.hopByHopSpellings.map { ($0, "x") } + [("Host", "api.test"), ("Accept", "*/*")]
        let out = Self.forward(Self.request(fields))
        #expect(Self.names(out) == ["Host", "Accept", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"])
        #expect(Self.value("x-forwarded-host", in: out) == ["api.test"])
        #expect(Self.value("x-forwarded-proto", in: out) == ["https"])
        #expect(Self.value("x-request-id", in: out) == ["rid-1"])
    }

    @Test("every hop-by-hop name, in any case, is dropped from the response; x-request-id is the gateway's")
    func responseDropsHopByHop() {
        let upstream = HTTPHeaders(Self.hopByHopSpellings.map { ($0, "x") } + [("Content-Length", "2"), ("X-Request-Id", "theirs")])
        let out = ForwardedResponse.headers(from: upstream, requestID: "rid-1", cors: [], close: false)
        #expect(out.map(\.name) == ["Content-Length", "x-request-id"])
        #expect(out["x-request-id"] == ["rid-1"])
    }

    @Test("names listed in Connection go in both directions, in any case and with odd spacing; the rest keep their order")
    func connectionNamedFields() {
        let request = Self.request([
            ("Connection", "keep-alive, X-Custom"), ("x-custom", "1"), ("A", "1"), ("CONNECTION", " ,\tclose ,x-other,, "),
            ("Close", "yes"), ("X-Other", "2"), ("X-Customer", "kept"), ("B", "2"),
        ])
        #expect(Self.names(Self.forward(request)) == ["A", "X-Customer", "B", "x-forwarded-for", "x-forwarded-proto", "x-request-id"])

        let upstream = HTTPHeaders([("Connection", "X-Secret"), ("X-SECRET", "s"), ("Date", "d"), ("Connection", "keep-alive")])
        let out = ForwardedResponse.headers(from: upstream, requestID: "r", cors: [], close: true)
        #expect(out.map(\.name) == ["Date", "x-request-id", "connection"])
        #expect(out["connection"] == ["close"])
    }

    @Test("Connection cannot take away a message's Content-Length or Host: a GET's body would reach the upstream unframed")
    func connectionNeverDropsFraming() {
        let request = Self.request(.GET, [
            ("Host", "api.test"), ("Content-Length", "5"), ("Connection", "content-length, HOST, x-other"), ("X-Other", "1"),
        ])
        let out = Self.forward(request)
        #expect(Self.value("content-length", in: out) == ["5"])
        #expect(Self.value("host", in: out) == ["api.test"])
        #expect(Self.value("x-other", in: out).isEmpty)

        let upstream = HTTPHeaders([("Content-Length", "2"), ("Connection", "Content-Length")])
        let response = ForwardedResponse.headers(from: upstream, requestID: "r", cors: [], close: false)
        #expect(response["content-length"] == ["2"])
    }

    @Test("duplicate and empty fields are forwarded as they came, in order")
    func duplicatesAndEmptyValues() {
        let request = Self.request([("Accept", "a"), ("X-Empty", ""), ("accept", "b"), ("Cookie", "c=1"), ("Cookie", "")])
        let out = Self.forward(request)
        #expect(Array(out.prefix(5)).map { "\($0.0)=\($0.1)" } == ["Accept=a", "X-Empty=", "accept=b", "Cookie=c=1", "Cookie="])

        let upstream = HTTPHeaders([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Empty", "")])
        let response = ForwardedResponse.headers(from: upstream, requestID: "r", cors: [], close: false)
        #expect(response.map { "\($0.name)=\($0.value)" } == ["Set-Cookie=a=1", "Set-Cookie=b=2", "X-Empty=", "x-request-id=r"])
    }

    @Test("X-Forwarded-For: every prior value, in order, then the client's address; empty priors as today")
    func forwardedForAppends() {
        let several = Self.forward(Self.request([("X-Forwarded-For", "10.0.0.1, 10.0.0.2"), ("A", "1"), ("x-forwarded-FOR", "10.0.0.3")]))
        #expect(Self.value("x-forwarded-for", in: several) == ["10.0.0.1, 10.0.0.2, 10.0.0.3, 127.0.0.1"])
        #expect(Self.names(several).first == "A")
        #expect(Self.value("x-forwarded-for", in: Self.forward(Self.request([("X-Forwarded-For", "")]))) == ["127.0.0.1"])
        #expect(Self.value("x-forwarded-for", in: Self.forward(Self.request([("X-Forwarded-For", ""), ("X-Forwarded-For", "")]))) == [", , 127.0.0.1"])
        let named = Self.forward(Self.request([("Connection", "X-Forwarded-For"), ("X-Forwarded-For", "spoofed")]))
        #expect(Self.value("x-forwarded-for", in: named) == ["127.0.0.1"])
    }

    @Test("identity headers from the client are dropped in any spelling and set from the token, after the kept fields")
    func identityHeadersReplaced() {
        let request = Self.request([("x-USER", "mallory"), ("AUTHORIZATION", "Bearer t"), ("X-User", "eve"), ("Accept", "*/*")])
        let out = Self.forward(request, identity: [HeaderField(name: "X-User", value: "alice"), HeaderField(name: "X-Tenant", value: "t1")])
        #expect(Self.names(out) == ["Accept", "X-User", "X-Tenant", "x-forwarded-for", "x-forwarded-proto", "x-request-id"])
        #expect(Self.value("x-user", in: out) == ["alice"])
        #expect(Self.value("authorization", in: out).isEmpty)
        let absent = Self.forward(Self.request([("X-User", "mallory")]), identity: [])
        #expect(Self.value("x-user", in: absent).isEmpty)
    }

    @Test("the client's X-Forwarded-Proto, X-Forwarded-Host, X-Request-Id and Expect never reach the upstream")
    func gatewayFieldsReplaced() {
        let out = Self.forward(Self.request([
            ("X-Forwarded-Proto", "gopher"), ("X-FORWARDED-HOST", "evil"), ("x-request-id", "client"), ("Expect", "100-continue"),
        ]))
        #expect(Self.names(out) == ["x-forwarded-for", "x-forwarded-proto", "x-request-id"])
        #expect(Self.value("x-forwarded-proto", in: out) == ["https"])
        #expect(Self.value("x-request-id", in: out) == ["rid-1"])
    }

    @Test("framing: chunked made explicit, content-length 0 for a body-less POST, PUT and PATCH only")
    func framing() {
        let chunked = Self.forward(Self.request(.POST, [("Transfer-Encoding", "gzip, CHUNKED")]))
        #expect(Self.value("transfer-encoding", in: chunked) == ["chunked"])
        #expect(Self.value("content-length", in: chunked).isEmpty)
        for method in [HTTPMethod.POST, .PUT, .PATCH] {
            #expect(Self.value("content-length", in: Self.forward(Self.request(method, []))) == ["0"])
        }
        for method in [HTTPMethod.GET, .DELETE, .HEAD, .OPTIONS] {
            #expect(Self.value("content-length", in: Self.forward(Self.request(method, []))).isEmpty)
        }
        #expect(Self.value("content-length", in: Self.forward(Self.request(.POST, [("Content-Length", "5")]))) == ["5"])
        #expect(Self.value("transfer-encoding", in: Self.forward(Self.request(.POST, [("Transfer-Encoding", "gzip")]))).isEmpty)
    }

    @Test("a WebSocket upgrade request and its 101 carry the upgrade fields")
    func webSocketFields() {
        let out = Self.forward(Self.request([("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "k")]), upgrade: "websocket")
        #expect(Array(out.suffix(2)).map { "\($0.0)=\($0.1)" } == ["connection=upgrade", "upgrade=websocket"])

        let upstream = HTTPHeaders([("Upgrade", "websocket"), ("Connection", "upgrade"), ("Sec-WebSocket-Accept", "a"), ("x-request-id", "u")])
        let response = ForwardedResponse.headers(from: upstream, requestID: "r", cors: [], switchingProtocols: true, close: false)
        #expect(response.map { "\($0.name)=\($0.value)" } == ["Sec-WebSocket-Accept=a", "connection=upgrade", "upgrade=websocket", "x-request-id=r"])
    }

    @Test("the route's CORS fields replace the upstream's, and its Vary joins the upstream's")
    func corsReplacesUpstream() {
        let upstream = HTTPHeaders([
            ("Access-Control-Allow-Origin", "*"), ("vary", "Accept-Encoding"), ("Content-Type", "json"),
            ("ACCESS-CONTROL-ALLOW-CREDENTIALS", "true"), ("Vary", "Cookie"), ("X-Request-Id", "theirs"),
        ])
        let cors = [HeaderField(name: "Access-Control-Allow-Origin", value: "https://app.test"), HeaderField(name: "Vary", value: "Origin")]
        let out = ForwardedResponse.headers(from: upstream, requestID: "r", cors: cors, close: false)
        #expect(out.map { "\($0.name)=\($0.value)" } == [
            "Content-Type=json", "x-request-id=r", "Access-Control-Allow-Origin=https://app.test", "Vary=Accept-Encoding, Cookie, Origin",
        ])
        let without = ForwardedResponse.headers(from: upstream, requestID: "r", cors: [], close: false)
        #expect(without["access-control-allow-origin"] == ["*"])
        #expect(without["vary"] == ["Accept-Encoding", "Cookie"])
    }

    @Test("HeaderName: each known name in any case, prefixes, and near misses")
    func headerNames() {
        #expect(HeaderName("X-Forwarded-For") == .xForwardedFor)
        #expect(HeaderName("TRANSFER-ENCODING") == .transferEncoding)
        #expect(HeaderName("x-forwarded-proto") == .xForwardedProto)
        #expect(HeaderName("Proxy-Authenticate") == .proxy)
        #expect(HeaderName("access-control-max-age") == .accessControl)
        #expect(HeaderName("access-control-") == .accessControl)
        #expect(HeaderName("access-control") == nil)
        #expect(HeaderName("proxy") == nil)
        #expect(HeaderName("hosts") == nil)
        #expect(HeaderName("") == nil)
        // `|` 0x20 would fold these control bytes onto '-' and 'e'; they must not match.
        #expect(HeaderName("keep\rAlive") == nil)
        #expect(HeaderName("t\u{05}") == nil)
        #expect(HeaderName("hóst") == nil)
        #expect(HeaderName("Host"[...]) == .host)
    }

    @Test("randomised head lists: the one-pass builders give exactly what the edit-in-place builders gave")
    func matchesLegacyBuilders() {
        var random = SplitMix64(seed: 0x5EED_8)
        let vocabulary = [
            "Host", "Accept", "Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Authorization",
            "Expect", "Content-Length", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id", "X-User",
            "Authorization", "Vary", "Access-Control-Allow-Origin", "X-Custom", "Close", "Cookie",
        ]
        let values = ["", "1", "chunked", "keep-alive, X-Custom", "close", "x-user, vary", " Vary ,x-forwarded-for", "a, b", "Origin"]
        let cors = [HeaderField(name: "Access-Control-Allow-Origin", value: "https://a.test"), HeaderField(name: "Vary", value: "Origin")]
        for _ in 0..<2_000 {
            let count = Int(random.next() % 9)
            let fields = (0..<count).map { _ in
                (Self.randomCase(vocabulary[Int(random.next() % UInt64(vocabulary.count))], &random), values[Int(random.next() % UInt64(values.count))])
            }
            let methods: [HTTPMethod] = [.GET, .POST, .PUT, .DELETE]
            let head = Self.request(methods[Int(random.next() % 4)], fields)
            let identity = random.next() % 2 == 0 ? [HeaderField(name: "X-User", value: "alice")] : []
            let upgrade = random.next() % 4 == 0 ? "websocket" : nil
            let new = Self.forward(head, identity: identity, upgrade: upgrade)
            let old = LegacyHeads.request(from: head, removing: ["x-user", "authorization"], identity: identity, upgrade: upgrade)
            #expect(new.map { "\($0.0)=\($0.1)" } == old.map { "\($0.name)=\($0.value)" }, "request \(fields)")

            let responseCORS = random.next() % 2 == 0 ? cors : []
            let switching = random.next() % 4 == 0
            let close = random.next() % 2 == 0
            let newResponse = ForwardedResponse.headers(from: head.headers, requestID: "r", cors: responseCORS, switchingProtocols: switching, close: close && !switching)
            let oldResponse = LegacyHeads.response(from: head.headers, requestID: "r", cors: responseCORS, switchingProtocols: switching, close: close && !switching)
            #expect(newResponse.map { "\($0.name)=\($0.value)" } == oldResponse.map { "\($0.name)=\($0.value)" }, "response \(fields)")
        }
    }

    static func randomCase(_ name: String, _ random: inout SplitMix64) -> String {
        String(name.map { random.next() % 2 == 0 ? Character($0.uppercased()) : Character($0.lowercased()) })
    }
}
