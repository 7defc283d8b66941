import NIOCore
import NIOHTTP1
import Testing
@testable import TollgateServer

/// `HTTP1RequestParser` over good and hostile requests, each fed whole, one
/// byte per read, and split in two at every position: all must give the
/// same parts, the same refusal and the same state at the end.
@Suite("HTTP/1.1 request parser")
struct HTTP1RequestParserTests {
    struct Case: CustomStringConvertible {
        var name: String
        var input: String
        var expected: [ParsedRequest.Part] = []
        /// The start of the refusal's reason; nil: accepted.
        var refusal: String?
        var kind = HTTP1RequestError.Kind.malformed
        var upgraded = false
        var maxHeadBytes = 1024

        var description: String { name }
        var bytes: [UInt8] { Array(input.utf8) }
    }

    static func head(
        _ method: String = "GET",
        _ uri: String = "/",
        _ fields: [String] = ["Host: a"],
        version: String = "1.1",
        keepAlive: Bool = true
    ) -> ParsedRequest.Part {
        .head(method: method, uri: uri, version: version, fields: fields, keepAlive: keepAlive)
    }

    static func body(_ text: String) -> ParsedRequest.Part { .body(Array(text.utf8)) }

    static let end = ParsedRequest.Part.end(trailers: nil)

    static let good: [Case] = [
        Case(name: "a GET", input: "GET /a?b=c HTTP/1.1\r\nHost: a\r\n\r\n", expected: [head("GET", "/a?b=c"), end]),
        Case(name: "a POST with Content-Length", input: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
             expected: [head("POST", "/p", ["Host: a", "Content-Length: 5"]), body("hello"), end]),
        Case(name: "Content-Length 0", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
             expected: [head("POST", "/", ["Host: a", "Content-Length: 0"]), end]),
        Case(name: "Content-Length with leading zeros and leading whitespace", input: "POST / HTTP/1.1\r\nContent-Length:  010\r\n\r\n0123456789",
             expected: [head("POST", "/", ["Content-Length: 010"]), body("0123456789"), end]),
        Case(name: "chunked with extensions and trailers",
             input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c=\"d \\\" e\";f\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\nX-U:  two \r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"]), body("hello0123456789"), .end(trailers: ["X-T: 1", "X-U: two"])]),
        Case(name: "chunked without trailers ends with nil", input: "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: Chunked"]), body("abc"), end]),
        Case(name: "identity then chunked, over two fields",
             input: "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: identity", "Transfer-Encoding: chunked"]), body("x"), end]),
        Case(name: "another coding before chunked is the proxy handler's to refuse (501)",
             input: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: gzip, chunked"]), end]),
        Case(name: "chunked on HTTP/1.0 is the proxy handler's to close after",
             input: "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Connection: keep-alive", "Transfer-Encoding: chunked"], version: "1.0"), body("x"), end]),
        Case(name: "pipelined requests, each in order",
             input: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
             expected: [head("GET", "/1"), end, head("POST", "/2", ["Host: a", "Content-Length: 2"]), body("ok"), end, head("GET", "/3"), end]),
        Case(name: "empty lines before and between requests are skipped",
             input: "\r\n\r\nGET /1 HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n\r\n",
             expected: [head("GET", "/1"), end, head("GET", "/2"), end]),
        Case(name: "field values lose their surrounding whitespace; names keep their case; obs-text stays",
             input: "GET / HTTP/1.1\r\nhOsT:\ta \t\r\nX-Empty:\r\nX-Utf8: caf\u{E9}\r\n\r\n",
             expected: [head("GET", "/", ["hOsT: a", "X-Empty: ", "X-Utf8: caf\u{E9}"]), end]),
        Case(name: "HTTP/1.0 with keep-alive goes on", input: "GET /1 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
             expected: [head("GET", "/1", ["Connection: Keep-Alive"], version: "1.0"), end, head("GET", "/2", [], version: "1.0", keepAlive: false), end]),
        Case(name: "after Connection: close only empty lines may follow", input: "GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\n",
             expected: [head("GET", "/", ["Connection: close"], keepAlive: false), end]),
        Case(name: "CONNECT ends HTTP: no body, later bytes dropped",
             input: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
             expected: [head("CONNECT", "a:443", ["Host: a:443", "Content-Length: 3"]), end], upgraded: true),
        Case(name: "a WebSocket upgrade ends HTTP after the request",
             input: "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n\u{81}\u{05}hello",
             expected: [head("GET", "/ws", ["Host: a", "Connection: keep-alive, Upgrade", "Upgrade: websocket"]), end], upgraded: true),
        Case(name: "an upgrade request's body comes before the end",
             input: "POST /u HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n\r\n",
             expected: [head("POST", "/u", ["Connection: upgrade", "Upgrade: h2c", "Content-Length: 2"]), body("hi"), end], upgraded: true),
        Case(name: "Upgrade without Connection: upgrade is no upgrade",
             input: "GET /1 HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
             expected: [head("GET", "/1", ["Upgrade: websocket"]), end, head("GET", "/2", []), end]),
        Case(name: "methods as NIO named them", input: "M-SEARCH * HTTP/1.1\r\n\r\nSOURCE / HTTP/1.1\r\n\r\nQUERY / HTTP/1.1\r\n\r\nPROPFIND / HTTP/1.1\r\n\r\n",
             expected: [head("MSEARCH", "*", []), end, head("SOURCE", "/", []), end, head("QUERY", "/", []), end, head("PROPFIND", "/", []), end]),
        Case(name: "absolute-form and asterisk-form targets are the proxy handler's to refuse",
             input: "GET http://u:p@b:8080/x?%20 HTTP/1.1\r\n\r\nGET HTTPS://[::1]?q HTTP/1.1\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\n",
             expected: [head("GET", "http://u:p@b:8080/x?%20", []), end, head("GET", "HTTPS://[::1]?q", []), end, head("OPTIONS", "*", []), end]),
        Case(name: "a head exactly at the bound", input: "GET / HTTP/1.1\r\nX: \(String(repeating: "v", count: 40))\r\n\r\n",
             expected: [head("GET", "/", ["X: " + String(repeating: "v", count: 40)]), end], maxHeadBytes: 63),
    ]

    static let bad: [Case] = [
        Case(name: "no target or version", input: "GET\r\nHost: a\r\n\r\n", refusal: "the request line does not start with a known method"),
        Case(name: "a lowercase method", input: "get / HTTP/1.1\r\n\r\n", refusal: "the request line does not start with a known method"),
        Case(name: "an unknown method", input: "BREW / HTTP/1.1\r\n\r\n", refusal: "the request line does not start with a known method"),
        Case(name: "PRI, the HTTP/2 preface", input: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", refusal: "the request line does not start with a known method"),
        Case(name: "two spaces after the method", input: "GET  / HTTP/1.1\r\n\r\n", refusal: "a request line without a request target"),
        Case(name: "two spaces before the version", input: "GET /  HTTP/1.1\r\n\r\n", refusal: "the request line does not end with"),
        Case(name: "obs-text in the target", input: "GET /caf\u{E9} HTTP/1.1\r\n\r\n", refusal: "a request target with a byte other than visible ASCII"),
        Case(name: "a relative target", input: "GET a/b HTTP/1.1\r\n\r\n", refusal: "a request target that is not a path"),
        Case(name: "a scheme without //", input: "GET http:/b/x HTTP/1.1\r\n\r\n", refusal: "a request target that is not a path"),
        Case(name: "an absolute URI with an empty authority", input: "GET http:///x HTTP/1.1\r\n\r\n", refusal: "a request target that is not a path"),
        Case(name: "a quote in an authority", input: "GET http://a\"b/ HTTP/1.1\r\n\r\n", refusal: "a request target that is not a path"),
        Case(name: "two @ in an authority", input: "GET http://u@v@h/ HTTP/1.1\r\n\r\n", refusal: "a request target that is not a path"),
        Case(name: "CONNECT to a path", input: "CONNECT /x HTTP/1.1\r\n\r\n", refusal: "a request target that is not a path"),
        Case(name: "a tab in the target", input: "GET /a\tb HTTP/1.1\r\n\r\n", refusal: "a request target with a byte other than visible ASCII"),
        Case(name: "DEL in the target", input: "GET /a\u{7F} HTTP/1.1\r\n\r\n", refusal: "a request target with a byte other than visible ASCII"),
        Case(name: "HTTP/1.2", input: "GET / HTTP/1.2\r\n\r\n", refusal: "the request line does not end with"),
        Case(name: "HTTP/2.0", input: "GET / HTTP/2.0\r\n\r\n", refusal: "the request line does not end with"),
        Case(name: "lowercase http", input: "GET / http/1.1\r\n\r\n", refusal: "the request line does not end with"),
        Case(name: "a space after the version", input: "GET / HTTP/1.1 \r\n\r\n", refusal: "the request line does not end with"),
        Case(name: "no version", input: "GET /\r\n\r\n", refusal: "the request line does not end with"),
        Case(name: "a bare LF ending the request line", input: "GET / HTTP/1.1\nHost: a\r\n\r\n", refusal: "a line of the request head ends in a bare LF"),
        Case(name: "bare LF line ends", input: "GET / HTTP/1.1\nHost: a\n\n", refusal: "a line of the request head ends in a bare LF"),
        Case(name: "a lone CR in a field value", input: "GET / HTTP/1.1\r\nX-A: 1\r2\r\n\r\n", refusal: "a CR not followed by LF in the request head"),
        Case(name: "a CR in a field name", input: "GET / HTTP/1.1\r\nX-\rA: 1\r\n\r\n", refusal: "a CR not followed by LF in the request head"),
        Case(name: "a NUL in a field value", input: "GET / HTTP/1.1\r\nX-A: 1\u{0}2\r\n\r\n", refusal: "a NUL byte in the request head"),
        Case(name: "a NUL in a field name", input: "GET / HTTP/1.1\r\nX-\u{0}A: 1\r\n\r\n", refusal: "a NUL byte in the request head"),
        Case(name: "a control character in a field value", input: "GET / HTTP/1.1\r\nX-A: 1\u{1}2\r\n\r\n", refusal: "a control character in a field value"),
        Case(name: "DEL in a field value", input: "GET / HTTP/1.1\r\nX-A: 1\u{7F}\r\n\r\n", refusal: "a control character in a field value"),
        Case(name: "a bare LF before a request", input: "\nGET / HTTP/1.1\r\n\r\n", refusal: "a bare LF before a request"),
        Case(name: "a lone CR before a request", input: "\rGET / HTTP/1.1\r\n\r\n", refusal: "a CR not followed by LF before a request"),
        Case(name: "obs-fold", input: "GET / HTTP/1.1\r\nX-Folded: one\r\n two\r\n\r\n", refusal: "a field line starting with whitespace"),
        Case(name: "a space before the colon", input: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", refusal: "a field name that is not a token"),
        Case(name: "an empty field name", input: "GET / HTTP/1.1\r\n: a\r\n\r\n", refusal: "a field line without a name and a colon"),
        Case(name: "a field line without a colon", input: "GET / HTTP/1.1\r\nHost\r\n\r\n", refusal: "a field line without a name and a colon"),
        Case(name: "Content-Length then Transfer-Encoding",
             input: "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", refusal: "both Content-Length and Transfer-Encoding"),
        Case(name: "Transfer-Encoding then Content-Length",
             input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n", refusal: "both Content-Length and Transfer-Encoding"),
        Case(name: "two equal Content-Lengths", input: "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", refusal: "more than one Content-Length"),
        Case(name: "a Content-Length list", input: "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello", refusal: "a Content-Length that is not digits"),
        Case(name: "a Content-Length with a sign", input: "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", refusal: "a Content-Length that is not digits"),
        Case(name: "a negative Content-Length", input: "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\nhello", refusal: "a Content-Length that is not digits"),
        Case(name: "a hexadecimal Content-Length", input: "POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\nhello", refusal: "a Content-Length that is not digits"),
        Case(name: "a Content-Length with a space inside", input: "POST / HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n", refusal: "a Content-Length that is not digits"),
        Case(name: "an empty Content-Length", input: "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", refusal: "an empty Content-Length"),
        Case(name: "a Content-Length followed by whitespace", input: "POST / HTTP/1.1\r\nContent-Length:  5 \t\r\n\r\nhello", refusal: "a Content-Length followed by whitespace"),
        Case(name: "a Content-Length beyond 64 bits", input: "POST / HTTP/1.1\r\nContent-Length: 18446744073709551621\r\n\r\n", refusal: "a Content-Length too large"),
        Case(name: "chunked, identity", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", refusal: "a transfer coding after chunked"),
        Case(name: "chunked then identity fields",
             input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", refusal: "a transfer coding after chunked"),
        Case(name: "xchunked", input: "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", refusal: "a Transfer-Encoding whose last coding is not chunked"),
        Case(name: "chunked with a parameter", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", refusal: "a Transfer-Encoding whose last coding is not chunked"),
        Case(name: "an empty Transfer-Encoding", input: "POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n", refusal: "a Transfer-Encoding whose last coding is not chunked"),
        Case(name: "a chunk size that is not hex", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a chunk size that is not hex digits"),
        Case(name: "a chunk size beyond 64 bits", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000b\r\nhello\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a chunk size too large"),
        Case(name: "chunk data without its CRLF", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"]), body("hello")], refusal: "chunk data not followed by CRLF"),
        Case(name: "a bare LF after the chunk size", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a chunk size line with bytes other than"),
        Case(name: "a space after the chunk size", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a chunk size line with bytes other than"),
        Case(name: "a chunk size line too long", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;\(String(repeating: "e", count: 4100))",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a chunk size line longer than"),
        Case(name: "a trailer with obs-fold", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n 2\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a field line starting with whitespace"),
        Case(name: "a Content-Length in the trailers", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 0\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"]), body("x")], refusal: "a framing field (Content-Length or Transfer-Encoding) in the trailer section"),
        Case(name: "a Transfer-Encoding in the trailers", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\ntransfer-encoding: chunked\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "a framing field (Content-Length or Transfer-Encoding) in the trailer section"),
        Case(name: "a request after Connection: close", input: "GET /1 HTTP/1.1\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
             expected: [head("GET", "/1", ["Connection: close"], keepAlive: false), end], refusal: "bytes after a request that closes the connection"),
        Case(name: "a request after an HTTP/1.0 one without keep-alive", input: "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
             expected: [head("GET", "/1", [], version: "1.0", keepAlive: false), end], refusal: "bytes after a request that closes the connection"),
        Case(name: "a head one byte over the bound", input: "GET / HTTP/1.1\r\nX: \(String(repeating: "v", count: 41))\r\n\r\n",
             refusal: "the request head is larger than 63 bytes", kind: .headTooLarge, maxHeadBytes: 63),
        Case(name: "an endless head", input: "GET / HTTP/1.1\r\nX: \(String(repeating: "v", count: 100))",
             refusal: "the request head is larger than 63 bytes", kind: .headTooLarge, maxHeadBytes: 63),
        Case(name: "an endless request line", input: "GET /\(String(repeating: "a", count: 100))",
             refusal: "the request head is larger than 63 bytes", kind: .headTooLarge, maxHeadBytes: 63),
        Case(name: "a trailer section over the bound",
             input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: \(String(repeating: "t", count: 100))\r\n\r\n",
             expected: [head("POST", "/", ["Transfer-Encoding: chunked"])], refusal: "the trailer section is larger than 63 bytes", kind: .headTooLarge,
             maxHeadBytes: 63),
    ]

    static func check(_ testCase: Case) {
        let (whole, others) = RequestParserRun.everySplit(testCase.bytes, maxHeadBytes: testCase.maxHeadBytes)
        #expect(whole.parsed.parts == testCase.expected, "\(testCase.name): \(whole.parsed)")
        if let refusal = testCase.refusal {
            #expect(whole.error?.reason.hasPrefix(refusal) == true, "\(testCase.name): \(whole.error?.reason ?? "accepted")")
            #expect(whole.error?.kind == testCase.kind, "\(testCase.name)")
        } else {
            #expect(whole.error == nil, "\(testCase.name): \(whole.error?.reason ?? "")")
            #expect(whole.leftover == 0, "\(testCase.name): \(whole.leftover) bytes left")
        }
        #expect(whole.upgraded == testCase.upgraded, "\(testCase.name)")
        for (how, run) in others {
            #expect(run.parsed == whole.parsed, "\(testCase.name), \(how): \(run.parsed)")
            #expect(run.error == whole.error, "\(testCase.name), \(how): \(run.error?.reason ?? "accepted")")
            #expect(run.upgraded == whole.upgraded, "\(testCase.name), \(how)")
        }
    }

    @Test("good requests give NIO's parts, however the bytes are split", arguments: good)
    func goodRequest(_ testCase: Case) {
        Self.check(testCase)
    }

    @Test("hostile requests are refused with the reason, however the bytes are split", arguments: bad)
    func badRequest(_ testCase: Case) {
        Self.check(testCase)
    }

    @Test("body parts are slices of the bytes read, not copies")
    func bodyIsSlice() throws {
        var parser = HTTP1RequestParser(maxHeadBytes: 1024)
        let read = ByteBuffer(string: "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        parser.receive(read)
        _ = try parser.next()
        let body = try #require(try parser.next())
        guard case .body(let bytes) = body else { Issue.record("not a body: \(body)"); return }
        let same = read.withUnsafeReadableBytes { whole in
            bytes.withUnsafeReadableBytes { part in part.baseAddress == whole.baseAddress! + whole.count - 5 }
        }
        #expect(same)
        #expect(try parser.next() == .end(nil))
        #expect(parser.bufferedBytes == 0)
    }

    @Test("the end of input cuts a request short inside a head or a body, not between requests or after an upgrade")
    func endOfInput() {
        let cutShort: [String] = [
            "GET / HT",
            "GET / HTTP/1.1\r\nHost: a\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
            "GET / HTTP/1.1\r\n\r\n\r",
            "GET / HTTP/1.1\r\n\r\nGET",
        ]
        for input in cutShort {
            let run = RequestParserRun([Array(input.utf8)], closed: true)
            #expect(run.endError?.kind == .cutShort, "\(input.debugDescription)")
        }
        let complete: [String] = [
            "",
            "\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n",
            "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
            "GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n\u{81}",
        ]
        for input in complete {
            let run = RequestParserRun([Array(input.utf8)], closed: true)
            #expect(run.endError == nil, "\(input.debugDescription): \(run.endError?.reason ?? "")")
        }
    }

    @Test("after a refusal every call throws the same, and bytes received are dropped")
    func failedStays() {
        var parser = HTTP1RequestParser(maxHeadBytes: 1024)
        parser.receive(ByteBuffer(string: "GET / HTTP/1.1\r\nHost : a\r\n\r\n"))
        #expect(throws: HTTP1RequestError.self) { try parser.next() }
        parser.receive(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(parser.bufferedBytes == 0)
        #expect(throws: HTTP1RequestError.self) { try parser.next() }
        #expect(parser.endOfInput() == nil)
    }
}
