import NIOCore
import NIOHTTP1
import Testing
@testable import TollgateServer

/// `UpstreamResponseParser` over good and hostile responses, each fed whole,
/// one byte per read, and split in two at every position: all must give the
/// same parts, the same refusal and the same bytes left over.
@Suite("Upstream response parser")
struct UpstreamResponseParserTests {
    struct Case: CustomStringConvertible {
        var name: String
        var input: String
        var requests: [UpstreamResponseParser.RequestKind] = [.other]
        var closed = false
        var expected: [ParsedResponse.Part]
        var refused = false
        var leftover = 0
        var upgraded = false

        var description: String { name }
        var bytes: [UInt8] { Array(input.utf8) }
    }

    static func head(_ code: UInt, _ reason: String, _ fields: [String], version: String = "1.1") -> ParsedResponse.Part {
        .head(version: version, code: code, reason: reason, fields: fields)
    }

    static func body(_ text: String) -> ParsedResponse.Part { .body(Array(text.utf8)) }

    static let end = ParsedResponse.Part.end(trailers: nil)

    static let good: [Case] = [
        Case(name: "Content-Length", input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
             expected: [head(200, "OK", ["Content-Length: 5"]), body("hello"), end]),
        Case(name: "HTTP/1.0", input: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
             expected: [head(200, "OK", ["Content-Length: 2"], version: "1.0"), body("hi"), end]),
        Case(name: "an empty reason", input: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
             expected: [head(200, "OK", ["Content-Length: 0"]), end]),
        Case(name: "no reason and no space", input: "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
             expected: [head(404, "Not Found", ["Content-Length: 0"]), end]),
        Case(name: "a reason with spaces and obs-text is dropped, as NIO's decoder did", input: "HTTP/1.1 599 Very Odd \u{E9} Thing\r\nContent-Length: 0\r\n\r\n",
             expected: [head(599, "", ["Content-Length: 0"]), end]),
        Case(name: "a known code's reason is its own", input: "HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n",
             expected: [head(200, "OK", ["Content-Length: 0"]), end]),
        Case(name: "field values lose their surrounding whitespace; names keep their case",
             input: "HTTP/1.1 200 OK\r\nX-A:  spaced  value \t\r\nx-empty:\r\nContent-Length: 0\r\n\r\n",
             expected: [head(200, "OK", ["X-A: spaced  value", "x-empty: ", "Content-Length: 0"]), end]),
        Case(name: "Content-Length 0 with leading zeros", input: "HTTP/1.1 200 OK\r\nContent-Length: 000\r\n\r\n",
             expected: [head(200, "OK", ["Content-Length: 000"]), end]),
        Case(name: "bytes after a Content-Length body are left over",
             input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n",
             expected: [head(200, "OK", ["Content-Length: 5"]), body("hello"), end], leftover: 17),
        Case(name: "a HEAD response has no body, whatever its Content-Length",
             input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", requests: [.head],
             expected: [head(200, "OK", ["Content-Length: 5"]), end]),
        Case(name: "a HEAD response's body is left over", input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", requests: [.head],
             expected: [head(200, "OK", ["Content-Length: 5"]), end], leftover: 5),
        Case(name: "a HEAD response then a GET response, in order",
             input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", requests: [.head, .other],
             expected: [head(200, "OK", ["Content-Length: 5"]), end, head(200, "OK", ["Content-Length: 5"]), body("hello"), end]),
        Case(name: "a second response to one request is left over",
             input: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
             expected: [head(200, "OK", ["Content-Length: 0"]), end], leftover: 38),
        Case(name: "a 204 has no body", input: "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",
             expected: [head(204, "No Content", ["Content-Length: 3"]), end], leftover: 3),
        Case(name: "a 304 has no body", input: "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
             expected: [head(304, "Not Modified", ["Transfer-Encoding: chunked"]), end]),
        Case(name: "1xx responses are dropped before the final one",
             input: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
             expected: [head(200, "OK", ["Content-Length: 2"]), body("ok"), end]),
        Case(name: "a 101 ends HTTP: the bytes after it belong to the tunnel",
             input: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\u{81}\u{05}hello",
             expected: [head(101, "Switching Protocols", ["Upgrade: websocket", "Connection: upgrade"]), end], leftover: 8, upgraded: true),
        Case(name: "a 2xx to CONNECT ends HTTP", input: "HTTP/1.1 200 OK\r\n\r\ntunnel", requests: [.connect],
             expected: [head(200, "OK", []), end], leftover: 6, upgraded: true),
        Case(name: "a 4xx to CONNECT has no body either, and ends HTTP", input: "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno", requests: [.connect],
             expected: [head(403, "Forbidden", ["Content-Length: 2"]), end], leftover: 2, upgraded: true),
        Case(name: "chunked, with extensions ignored",
             input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nA;x=\"y \\\"z\";flag\r\n0123456789\r\n0\r\n\r\n",
             expected: [head(200, "OK", ["Transfer-Encoding: chunked"]), body("hello0123456789"), end]),
        Case(name: "chunked with trailers", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: 1\r\nX-Other: two\r\n\r\n",
             expected: [head(200, "OK", ["Transfer-Encoding: chunked"]), body("ok"), .end(trailers: ["X-Checksum: 1", "X-Other: two"])]),
        Case(name: "chunked last of several codings, names in any case",
             input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: , CHUNKED\r\n\r\n0\r\n\r\n",
             expected: [head(200, "OK", ["Transfer-Encoding: gzip", "transfer-encoding: , CHUNKED"]), end]),
        Case(name: "bytes after a chunked body are left over", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nextra",
             expected: [head(200, "OK", ["Transfer-Encoding: chunked"]), end], leftover: 5),
        Case(name: "a coding other than chunked last: until close", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", closed: true,
             expected: [head(200, "OK", ["Transfer-Encoding: gzip"]), body("abc"), end]),
        Case(name: "no framing: until close", input: "HTTP/1.1 200 OK\r\n\r\nall of it", closed: true,
             expected: [head(200, "OK", []), body("all of it"), end]),
        Case(name: "no framing, not closed yet: no end", input: "HTTP/1.1 200 OK\r\n\r\nsome",
             expected: [head(200, "OK", []), body("some")]),
        Case(name: "a Content-Length body cut short by the close: no end", input: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhal", closed: true,
             expected: [head(200, "OK", ["Content-Length: 9"]), body("hal")]),
        Case(name: "a chunked body cut short by the close: no end", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", closed: true,
             expected: [head(200, "OK", ["Transfer-Encoding: chunked"]), body("hel")]),
    ]

    static func refusal(_ name: String, _ input: String, after parts: [ParsedResponse.Part] = [], requests: [UpstreamResponseParser.RequestKind] = [.other]) -> Case {
        Case(name: name, input: input, requests: requests, expected: parts, refused: true)
    }

    static let chunkedHead = head(200, "OK", ["Transfer-Encoding: chunked"])
    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

    static let bad: [Case] = [
        refusal("Content-Length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"),
        refusal("Content-Length negative", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello"),
        refusal("Content-Length in hex", "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello"),
        refusal("Content-Length empty", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nhello"),
        refusal("Content-Length with inner space", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\nhello"),
        refusal("Content-Length overflowing", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nhello"),
        refusal("Content-Length as a list of equal values", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello"),
        refusal("two equal Content-Length fields", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
        refusal("two different Content-Length fields", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nhello"),
        refusal("Content-Length and Transfer-Encoding", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        refusal("Transfer-Encoding on HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        refusal("chunked before another coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
        refusal("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
        refusal("an empty Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n"),
        refusal("a chunk size that is not hex", chunked + "g\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("an empty chunk size", chunked + "\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a negative chunk size", chunked + "-5\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a chunk size with trailing whitespace", chunked + "5 \r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a chunk size overflowing", chunked + "fffffffffffffffff\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a chunk size line ending in a bare LF", chunked + "5\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a control character in a chunk extension", chunked + "5;a\u{01}\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("whitespace before a chunk extension", chunked + "5 ;a=b\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("whitespace inside a chunk extension", chunked + "5;a = b\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a chunk extension without a name", chunked + "5;=b\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("a control character in a quoted chunk extension", chunked + "5;a=\"\u{01}\"\r\nhello\r\n0\r\n\r\n", after: [chunkedHead]),
        refusal("chunk data not followed by CRLF", chunked + "5\r\nhelloX\r\n0\r\n\r\n", after: [chunkedHead, body("hello")]),
        refusal("chunk data followed by a bare LF", chunked + "5\r\nhello\n0\r\n\r\n", after: [chunkedHead, body("hello")]),
        refusal("obs-fold in a trailer", chunked + "0\r\nX-T: a\r\n b\r\n\r\n", after: [chunkedHead]),
        refusal("obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
        refusal("a NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u{0}b\r\nContent-Length: 0\r\n\r\n"),
        refusal("a CR in a value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"),
        refusal("a DEL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u{7F}b\r\nContent-Length: 0\r\n\r\n"),
        refusal("a control character in the reason", "HTTP/1.1 200 O\u{01}K\r\nContent-Length: 0\r\n\r\n"),
        refusal("a space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello"),
        refusal("an empty field name", "HTTP/1.1 200 OK\r\n: v\r\nContent-Length: 0\r\n\r\n"),
        refusal("a field line without a colon", "HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 0\r\n\r\n"),
        refusal("a field name with a separator", "HTTP/1.1 200 OK\r\nX(A): v\r\nContent-Length: 0\r\n\r\n"),
        refusal("bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
        refusal("a bare LF ending the head", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"),
        refusal("a status code of two digits", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("a status code of four digits", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("a status code of letters", "HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("a status code below 100", "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n"),
        refusal("a status code above 599", "HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n"),
        refusal("HTTP/2.0", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("HTTP/1.2", "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("a lowercase protocol name", "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("two spaces after the version", "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"),
        refusal("garbage", "ICY 200 OK\r\n\r\n"),
        refusal("an empty line before the status line", "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    ]

    @Test("good responses: the same parts whole, byte by byte and split anywhere", arguments: good)
    func goodResponse(_ testCase: Case) {
        check(testCase)
    }

    @Test("malformed responses are refused, whole, byte by byte and split anywhere", arguments: bad)
    func malformedResponse(_ testCase: Case) {
        check(testCase)
    }

    private func check(_ testCase: Case) {
        let (whole, others) = ParserRun.everySplit(testCase.bytes, requests: testCase.requests, closed: testCase.closed)
        #expect(whole.parsed.parts == testCase.expected, "\(testCase.name): \(whole.parsed)")
        #expect(whole.parsed.refused == testCase.refused, "\(testCase.name): \(whole.parsed) \(whole.reason ?? "")")
        if !testCase.refused {
            #expect(whole.leftover == testCase.leftover, "\(testCase.name): left over \(whole.leftover)")
            #expect(whole.upgraded == testCase.upgraded, "\(testCase.name)")
        }
        for (how, run) in others {
            #expect(run.parsed == whole.parsed, "\(testCase.name), \(how): \(run.parsed) vs \(whole.parsed)")
            if !testCase.refused {
                #expect(run.leftover == whole.leftover, "\(testCase.name), \(how): left over \(run.leftover)")
            }
        }
    }

    @Test("a head over 80 KiB is refused, even before its end arrives")
    func headTooLarge() {
        let filler = "X-Filler: " + String(repeating: "a", count: UpstreamResponseParser.maxSectionBytes) + "\r\n"
        let complete = ParserRun([Array("HTTP/1.1 200 OK\r\n\(filler)Content-Length: 0\r\n\r\n".utf8)])
        #expect(complete.parsed.refused && complete.parsed.parts.isEmpty)
        #expect(complete.reason?.contains("larger than") == true, "\(complete.reason ?? "")")
        let unfinished = ParserRun([Array("HTTP/1.1 200 OK\r\n\(filler)".utf8)])
        #expect(unfinished.parsed.refused, "an endless head must not be buffered without bound")
        let justUnder = "X-Filler: " + String(repeating: "a", count: UpstreamResponseParser.maxSectionBytes - 100) + "\r\n"
        let fits = ParserRun([Array("HTTP/1.1 200 OK\r\n\(justUnder)Content-Length: 0\r\n\r\n".utf8)])
        #expect(!fits.parsed.refused && fits.parsed.parts.count == 2)
    }

    @Test("an endless chunk size line is refused")
    func chunkLineTooLong() {
        let run = ParserRun([Array((Self.chunked + "5;" + String(repeating: "x", count: 5000)).utf8)])
        #expect(run.parsed.refused && run.parsed.parts == [Self.chunkedHead])
    }

    @Test("bytes when no response is awaited are refused: they would be read as the next request's response")
    func unsolicitedBytes() throws {
        var parser = UpstreamResponseParser()
        parser.receive(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(!parser.isBusy)
        #expect(throws: UpstreamResponseParser.Malformed.self) { try parser.next() }
        parser.requestSent(.other)
        #expect(throws: UpstreamResponseParser.Malformed.self) { try parser.next() }
    }

    @Test("after a refusal every call refuses, and nothing is left buffered")
    func refusalIsFinal() throws {
        var parser = UpstreamResponseParser()
        parser.requestSent(.other)
        parser.receive(ByteBuffer(string: "HTTP/9.9 200 OK\r\n\r\n"))
        #expect(throws: UpstreamResponseParser.Malformed.self) { try parser.next() }
        parser.receive(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(throws: UpstreamResponseParser.Malformed.self) { try parser.next() }
        #expect(parser.bufferedBytes == 0)
    }

    @Test("a keep-alive connection carries one response per request, and is idle in between")
    func sequentialResponses() throws {
        var parser = UpstreamResponseParser()
        #expect(!parser.isBusy)
        for round in 0..<3 {
            parser.requestSent(round == 1 ? .head : .other)
            #expect(parser.isBusy)
            parser.receive(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + (round == 1 ? "" : "ok")))
            var parts = ParsedResponse()
            while let part = try parser.next() { parts.append(part) }
            #expect(parts.parts.last == Self.end, "round \(round): \(parts)")
            #expect(parser.bufferedBytes == 0 && !parser.isBusy)
        }
    }

    @Test("body parts are slices of the bytes read, not copies")
    func bodiesAreSlices() throws {
        var parser = UpstreamResponseParser()
        parser.requestSent(.other)
        let read = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        parser.receive(read)
        _ = try parser.next()
        guard case .body(let body)? = try parser.next() else {
            Issue.record("no body part")
            return
        }
        let sameStorage = read.withUnsafeReadableBytes { whole in
            body.withUnsafeReadableBytes { part in part.baseAddress == whole.baseAddress.map { $0 + whole.count - 5 } }
        }
        #expect(sameStorage)
    }

    static let connectionFields: [(version: String, fields: [String])] = [
        ("1.1", []), ("1.0", []), ("1.1", ["Connection: close"]), ("1.1", ["connection: CLOSE"]),
        ("1.0", ["Connection: keep-alive"]), ("1.0", ["Connection: Keep-Alive"]), ("1.1", ["Connection: keep-alive"]),
        ("1.1", ["Connection: keep-alive, close"]), ("1.1", ["Connection: keep-alive", "Connection: keep-alive"]),
        ("1.0", ["Connection: upgrade, keep-alive"]), ("1.1", ["Connection:  close  "]), ("1.1", ["Connection: closed"]),
        ("1.0", ["Connection: keep-alives"]), ("1.1", ["Connection: ,, close,"]), ("1.1", ["Connection:"]),
        ("1.0", ["X-Connection: keep-alive"]), ("1.1", ["Connection: x-close"]),
    ]

    @Test("whether the upstream keeps the connection is read as NIO's isKeepAlive reads it, without its allocations",
          arguments: connectionFields.indices)
    func keepAlive(index: Int) throws {
        let (version, fields) = Self.connectionFields[index]
        var parser = UpstreamResponseParser()
        parser.requestSent(.other)
        let head = (["HTTP/\(version) 200 OK"] + fields + ["Content-Length: 0", "", ""]).joined(separator: "\r\n")
        parser.receive(ByteBuffer(string: head))
        guard case .head(let parsed)? = try parser.next() else {
            Issue.record("no head for \(fields)")
            return
        }
        let nio = HTTPResponseHead(version: parsed.version, status: parsed.status, headers: parsed.headers)
        #expect(parser.headKeepsAlive == nio.isKeepAlive, "HTTP/\(version) \(fields)")
    }
}
