import Testing

/// Hostile and unusual request framing through the real gateway, each case
/// followed on the same connection by `GET /public/follower`, with the
/// upstream's raw bytes judged by two strict parsers (`UpstreamTranscript`).
/// A case is either refused (a 4xx JSON error; when the framing is in doubt
/// the connection closes and nothing reaches the upstream, not even the
/// follower) or forwarded exactly as decided, follower included.
@Suite("Request framing through the gateway, judged from the upstream's raw bytes", .serialized)
struct RequestFramingTests {
    static let follower = "GET /public/follower HTTP/1.1\r\nHost: a\r\n\r\n"
    static let smuggled = "GET /admin/x HTTP/1.1\r\nHost: a\r\n\r\n"

    /// What the gateway must do with a case.
    enum Outcome {
        /// 400 (or the given status) with `invalid_request`, the connection
        /// closed, nothing forwarded: the framing itself is in doubt.
        /// (NIO's encoder sends no body in any answer to a CONNECT.)
        case refused(status: Int = 400, errorBody: Bool = true)
        /// The gateway's own error for the request, then the follower, decided on its own and forwarded.
        case answeredThenFollower(status: Int, error: String)
        /// Forwarded exactly these requests (the follower last, unless the
        /// case ends the connection), each answered 200 with its path.
        case forwarded([UpstreamTranscript.Request], closes: Bool = false)
    }

    /// One request (or a prefix of bytes) and the rule that decides it.
    struct Case {
        var name: String
        var request: String
        var rule: String
    }

    static let cases: [(Case, Outcome)] = [
        // RFC 9112 §6.3 (3): Transfer-Encoding with Content-Length: may be rejected; a proxy must not forward both.
        (Case(name: "Content-Length then Transfer-Encoding, a request in the body",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: \(5 + smuggled.utf8.count)\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\(smuggled)",
              rule: "RFC 9112 §6.3 (3)"), .refused()),
        (Case(name: "Transfer-Encoding then Content-Length",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.3 (3)"), .refused()),
        // RFC 9112 §6.3 (5): differing lengths are unrecoverable; equal ones may be accepted, llhttp refuses any duplicate.
        (Case(name: "two equal Content-Length fields",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
              rule: "RFC 9112 §6.3 (5)"), .refused()),
        (Case(name: "two different Content-Length fields",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: \(5 + smuggled.utf8.count)\r\n\r\nhello\(smuggled)",
              rule: "RFC 9112 §6.3 (5)"), .refused()),
        (Case(name: "a Content-Length list of equal values",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
              rule: "RFC 9110 §8.6"), .refused()),
        (Case(name: "Content-Length with a plus sign", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
              rule: "RFC 9110 §8.6: 1*DIGIT"), .refused()),
        (Case(name: "negative Content-Length", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\nhello",
              rule: "RFC 9110 §8.6: 1*DIGIT"), .refused()),
        (Case(name: "hexadecimal Content-Length", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello",
              rule: "RFC 9110 §8.6: 1*DIGIT"), .refused()),
        (Case(name: "Content-Length with a space inside", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\nhelloworld",
              rule: "RFC 9110 §8.6: 1*DIGIT"), .refused()),
        (Case(name: "empty Content-Length", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n",
              rule: "RFC 9110 §8.6: 1*DIGIT"), .refused()),
        (Case(name: "Content-Length beyond 64 bits", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551621\r\n\r\nhello",
              rule: "RFC 9112 §6.3 (5)"), .refused()),
        (Case(name: "Content-Length with leading zeros",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 010\r\n\r\nhelloworld",
              rule: "RFC 9110 §8.6: 1*DIGIT, decimal"), .forwarded([.post("/public/a", 10), .get("/public/follower")])),
        // OWS around a value is allowed (RFC 9112 §5.1), but llhttp refuses it after a Content-Length: strict, and safe.
        (Case(name: "Content-Length with whitespace after it",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length:  5 \t\r\n\r\nhello",
              rule: "RFC 9112 §5.1: OWS; llhttp is stricter"), .refused()),
        (Case(name: "a GET with a body", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)",
              rule: "RFC 9110 §9.3.1"), .forwarded([.init(method: "GET", target: "/public/a", bodyBytes: smuggled.utf8.count), .get("/public/follower")])),

        // RFC 9112 §6.1 / §6.3 (4): chunked must be the final coding; anything else on a request is 400.
        (Case(name: "Transfer-Encoding: chunked, identity",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.3 (4)"), .refused()),
        (Case(name: "Transfer-Encoding with a leading space",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §5.1: OWS"), .forwarded([.post("/public/a", 5), .get("/public/follower")])),
        (Case(name: "Transfer-Encoding: Chunked (case)",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §7: case-insensitive"), .forwarded([.post("/public/a", 5), .get("/public/follower")])),
        (Case(name: "Transfer-Encoding: xchunked",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.3 (4)"), .refused()),
        (Case(name: "Transfer-Encoding: chunked;q=1",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.3 (4)"), .refused()),
        // Chunked is final, so the framing is clear; identity changes nothing (the gateway forwards chunked alone).
        (Case(name: "two Transfer-Encoding fields, identity then chunked",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.1, §6.3 (4)"), .forwarded([.post("/public/a", 5), .get("/public/follower")])),
        (Case(name: "two Transfer-Encoding fields, chunked then identity",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.3 (4)"), .refused()),
        (Case(name: "Transfer-Encoding: chunked on HTTP/1.0 with keep-alive",
              request: "POST /public/a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §6.1: faulty framing, close after"), .forwarded([.post("/public/a", 5)], closes: true)),

        // RFC 9112 §7.1: chunk-size is 1*HEXDIG, extensions are ignored, every line ends in CRLF.
        (Case(name: "a chunk extension", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"GET /admin/x\"\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §7.1.1"), .forwarded([.post("/public/a", 5), .get("/public/follower")])),
        (Case(name: "a trailer field", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: GET /admin/x HTTP/1.1\r\n\r\n",
              rule: "RFC 9112 §7.1.2"), .forwarded([.post("/public/a", 5), .get("/public/follower")])),
        (Case(name: "a chunk size beyond 64 bits",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000b\r\nhello\(smuggled)\r\n0\r\n\r\n",
              rule: "RFC 9112 §7.1"), .refused()),
        (Case(name: "chunk data without its CRLF",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n",
              rule: "RFC 9112 §7.1"), .refused()),
        (Case(name: "a bare LF after the chunk size",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §7.1, §2.2"), .refused()),
        (Case(name: "a space after the chunk size",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §7.1"), .refused()),

        // RFC 9112 §2.2, §5.1, §5.2: line endings, field syntax, obs-fold.
        (Case(name: "obs-fold", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
              rule: "RFC 9112 §5.2"), .refused()),
        (Case(name: "obs-fold continuing Transfer-Encoding",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
              rule: "RFC 9112 §5.2"), .refused()),
        (Case(name: "bare LF line endings", request: "GET /public/a HTTP/1.1\nHost: a\n\n",
              rule: "RFC 9112 §2.2"), .refused()),
        (Case(name: "one header line ending in a bare LF", request: "GET /public/a HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n",
              rule: "RFC 9112 §2.2"), .refused()),
        (Case(name: "a NUL in a field name", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nX-\u{0}A: 1\r\n\r\n",
              rule: "RFC 9110 §5.1: token"), .refused()),
        (Case(name: "a NUL in a field value", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nX-A: 1\u{0}2\r\n\r\n",
              rule: "RFC 9110 §5.5"), .refused()),
        (Case(name: "a CR in a field value", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n",
              rule: "RFC 9110 §5.5"), .refused()),
        (Case(name: "a CR in a field name", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nX-\rA: 1\r\n\r\n",
              rule: "RFC 9110 §5.1: token"), .refused()),
        (Case(name: "a space before the colon", request: "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello",
              rule: "RFC 9112 §5.1: MUST reject with 400"), .refused()),
        (Case(name: "a request line with a bare LF", request: "GET /public/a HTTP/1.1\nHost: a\r\n\r\n",
              rule: "RFC 9112 §2.2"), .refused()),

        // RFC 9112 §3.2.2: absolute-form; the gateway accepts origin-form only (SPEC: path safety, 400).
        (Case(name: "absolute-form whose host differs from Host", request: "GET http://internal.test/public/a HTTP/1.1\r\nHost: a\r\n\r\n",
              rule: "RFC 9112 §3.2.2; SPEC path safety"), .answeredThenFollower(status: 400, error: "invalid_request")),
        (Case(name: "absolute-form naming /admin", request: "GET http://a/admin/x HTTP/1.1\r\nHost: a\r\n\r\n",
              rule: "RFC 9112 §3.2.2; SPEC path safety"), .answeredThenFollower(status: 400, error: "invalid_request")),
        (Case(name: "asterisk-form", request: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
              rule: "RFC 9112 §3.2.4"), .answeredThenFollower(status: 400, error: "invalid_request")),
        // llhttp parses nothing after a CONNECT: the connection closes after the answer.
        (Case(name: "CONNECT in authority-form", request: "CONNECT internal.test:443 HTTP/1.1\r\nHost: internal.test:443\r\n\r\n",
              rule: "RFC 9112 §3.2.3; SPEC path safety"), .refused(errorBody: false)),

        // RFC 9110 §10.1.1: Expect is hop-by-hop to the gateway; it answers 100 itself.
        (Case(name: "Expect: 100-continue with a body",
              request: "POST /public/a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
              rule: "RFC 9110 §10.1.1"), .forwarded([.post("/public/a", 5), .get("/public/follower")])),
        (Case(name: "Expect: 100-continue without a body",
              request: "GET /public/a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
              rule: "RFC 9110 §10.1.1"), .forwarded([.get("/public/a"), .get("/public/follower")])),

        // RFC 9110 §7.8: an upgrade the gateway does not perform; llhttp parses nothing after it.
        (Case(name: "Upgrade: h2c on a plain route", request: "GET /public/a HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
              rule: "RFC 9110 §7.8"), .forwarded([.get("/public/a")], closes: true)),

        // RFC 9112 §9.3: HTTP/1.0 persistence.
        (Case(name: "HTTP/1.0 with keep-alive", request: "GET /public/a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
              rule: "RFC 9112 §9.3"), .forwarded([.get("/public/a"), .get("/public/follower")])),
        (Case(name: "HTTP/1.0 without keep-alive", request: "GET /public/a HTTP/1.0\r\nHost: a\r\n\r\n",
              rule: "RFC 9112 §9.3"), .forwarded([.get("/public/a")], closes: true)),
        (Case(name: "HTTP/1.0 without Host", request: "GET /public/a HTTP/1.0\r\n\r\n",
              rule: "RFC 9112 §3.2"), .forwarded([.get("/public/a")], closes: true)),
    ]

    @Test("each case is refused or forwarded exactly as decided", arguments: cases.indices)
    func requestCase(index: Int) async throws {
        let (framingCase, outcome) = Self.cases[index]
        let name = "\(framingCase.name) (\(framingCase.rule))"
        try await SmugglingFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(framingCase.request + Self.follower)
            switch outcome {
            case .refused(let status, let errorBody):
                let response = try connection.readResponse()
                #expect(response.status == status, "\(name): \(response.status) \(response.text)")
                if errorBody { #expect(response.json["error"] as? String == "invalid_request", "\(name)") }
                #expect(connection.waitForClose(), "\(name): the connection stayed open")
                try await fixture.expectForwarded([], name)
            case .answeredThenFollower(let status, let error):
                let response = try connection.readResponse()
                #expect(response.status == status, "\(name): \(response.status) \(response.text)")
                #expect(response.json["error"] as? String == error, "\(name)")
                let follower = try connection.readResponse()
                #expect(follower.status == 200 && follower.text == "path=/public/follower", "\(name): \(follower.status) \(follower.text)")
                try await fixture.expectForwarded([.get("/public/follower")], name)
            case .forwarded(let requests, let closes):
                for request in requests {
                    var response = try connection.readResponse()
                    if response.status == 100 { response = try connection.readResponse() }
                    #expect(response.status == 200 && response.text == "path=\(request.target)", "\(name): \(response.status) \(response.text)")
                }
                if closes { #expect(connection.waitForClose(), "\(name): the connection stayed open") }
                try await fixture.expectForwarded(requests, name)
            }
        }
    }
}
