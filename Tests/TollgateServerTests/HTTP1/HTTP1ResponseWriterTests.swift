import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import TollgateServer

/// `HTTP1ResponseWriter` against NIO's `HTTPResponseEncoder`, the definition
/// of the bytes it must write: the same request goes into a pipeline set up
/// as production had it (so the encoder learns the method from the decoder),
/// the same response parts go out of both, and the bytes must be equal.
@Suite("HTTP/1 responses are written as NIO's encoder wrote them")
struct HTTP1ResponseWriterTests {
    /// One request and the response parts written for it.
    struct Exchange: CustomStringConvertible {
        var method: HTTPMethod = .GET
        var version: HTTPVersion = .http1_1
        var parts: [HTTPServerResponsePart]

        var description: String { "\(method) HTTP/\(version.major).\(version.minor) → \(parts)" }

        var request: String {
            "\(method.rawValue) /x HTTP/\(version.major).\(version.minor)\r\nhost: h\r\ncontent-length: 0\r\n\r\n"
        }
    }

    static func head(
        _ status: HTTPResponseStatus,
        _ fields: [(String, String)] = [],
        version: HTTPVersion = .http1_1
    ) -> HTTPServerResponsePart {
        .head(HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(fields)))
    }

    static func body(_ text: String) -> HTTPServerResponsePart {
        .body(.byteBuffer(ByteBuffer(string: text)))
    }

    static let end = HTTPServerResponsePart.end(nil)

    /// The bytes NIO's encoder writes for `exchanges`, one after the other on one connection.
    static func nioBytes(_ exchanges: [Exchange]) throws -> String {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: false,
            withOutboundHeaderValidation: false
        )
        var out = ""
        for exchange in exchanges {
            try channel.writeInbound(ByteBuffer(string: exchange.request))
            while try channel.readInbound(as: HTTPServerRequestPart.self) != nil {}
            for part in exchange.parts {
                try channel.writeOutbound(part)
            }
            while let data = try channel.readOutbound(as: IOData.self) {
                guard case .byteBuffer(let buffer) = data else { Issue.record("file region"); continue }
                out += String(buffer: buffer)
            }
        }
        _ = try channel.finish()
        return out
    }

    /// The bytes the writer writes for `exchanges`, and how many writes it took.
    static func writerBytes(_ exchanges: [Exchange]) -> (bytes: String, writes: Int) {
        let allocator = ByteBufferAllocator()
        var writer = HTTP1ResponseWriter()
        var out = ""
        var writes = 0
        for exchange in exchanges {
            for part in exchange.parts {
                switch part {
                case .head(let head):
                    out += String(buffer: writer.head(head, respondingTo: exchange.method, allocator: allocator))
                    writes += 1
                case .body(let data):
                    writer.body(data, allocator: allocator) { written in
                        guard case .byteBuffer(let buffer) = written else { return }
                        out += String(buffer: buffer)
                        writes += 1
                    }
                case .end(let trailers):
                    if let buffer = writer.end(trailers: trailers, allocator: allocator) {
                        out += String(buffer: buffer)
                        writes += 1
                    }
                }
            }
        }
        return (out, writes)
    }

    static let corpus: [[Exchange]] = [
        // Content-Length, with and without a body part.
        [Exchange(parts: [head(.ok, [("content-length", "5"), ("x-a", "1")]), body("hello"), end])],
        [Exchange(parts: [head(.ok, [("Content-Length", "0")]), end])],
        // No framing: chunked, one and several parts, empty parts skipped.
        [Exchange(parts: [head(.ok, [("x-a", "1")]), body("hello"), end])],
        [Exchange(parts: [head(.ok), body("hello"), body(""), body("world!"), body(String(repeating: "z", count: 4097)), end])],
        [Exchange(parts: [head(.ok), body(""), end])],
        [Exchange(parts: [head(.ok), end])],
        // Transfer-Encoding already there: replaced by one `chunked`, last.
        [Exchange(parts: [head(.ok, [("transfer-encoding", "gzip"), ("x-a", "1"), ("Transfer-Encoding", "chunked")]), body("abc"), end])],
        [Exchange(parts: [head(.ok, [("TRANSFER-ENCODING", "chunked")]), body("abc"), end])],
        // Both: Content-Length wins.
        [Exchange(parts: [head(.ok, [("transfer-encoding", "chunked"), ("content-length", "3")]), body("abc"), end])],
        // Statuses without a body.
        [Exchange(parts: [head(.noContent, [("content-length", "10"), ("transfer-encoding", "chunked"), ("x-a", "1")]), end])],
        [Exchange(parts: [head(.notModified, [("Content-Length", "10"), ("etag", "\"e\"")]), end])],
        [Exchange(parts: [head(.switchingProtocols, [("connection", "upgrade"), ("upgrade", "websocket"), ("content-length", "0")])])],
        [Exchange(parts: [head(.custom(code: 103, reasonPhrase: "Early Hints"), [("link", "</a>"), ("content-length", "1")]), head(.ok), body("x"), end])],
        // 100-continue, then the final response.
        [Exchange(method: .POST, parts: [head(.continue), head(.ok, [("content-length", "2")]), body("ok"), end])],
        [Exchange(method: .POST, parts: [head(.continue), head(.ok), body("ok"), end])],
        [Exchange(method: .HEAD, parts: [head(.continue), head(.ok), end])],
        // HEAD: the head as for GET, no body, no last chunk.
        [Exchange(method: .HEAD, parts: [head(.ok, [("content-length", "100")]), end])],
        [Exchange(method: .HEAD, parts: [head(.ok, [("x-a", "1")]), end])],
        [Exchange(method: .HEAD, parts: [head(.ok, [("transfer-encoding", "gzip")]), end(trailers: [("t", "1")])])],
        [Exchange(method: .HEAD, parts: [head(.noContent, [("content-length", "0")]), end])],
        // Trailers.
        [Exchange(parts: [head(.ok), body("abc"), end(trailers: [("x-checksum", "1"), ("X-Other", "2")])])],
        [Exchange(parts: [head(.ok), body("abc"), end(trailers: [])])],
        [Exchange(parts: [head(.ok, [("content-length", "3")]), body("abc"), end(trailers: [("x-t", "1")])])],
        // HTTP/1.0: neither framing added; the upstream's Transfer-Encoding stays.
        [Exchange(version: .http1_0, parts: [head(.ok, [("x-a", "1")], version: .http1_0), body("abc"), body("def"), end])],
        [Exchange(version: .http1_0, parts: [head(.ok, [("transfer-encoding", "chunked")], version: .http1_0), body("abc"), end])],
        [Exchange(version: .http1_0, parts: [head(.ok, [("transfer-encoding", "chunked"), ("content-length", "3")], version: .http1_0), body("abc"), end])],
        [Exchange(version: .http1_0, parts: [head(.notModified, [("content-length", "3")], version: .http1_0), end])],
        [Exchange(method: .HEAD, version: .http1_0, parts: [head(.ok, [("content-length", "3")], version: .http1_0), end])],
        // Custom codes and reasons, known codes under their own names.
        [Exchange(parts: [head(.custom(code: 299, reasonPhrase: "Fine Enough"), [("content-length", "0")]), end])],
        [Exchange(parts: [head(.custom(code: 200, reasonPhrase: "Alright")), body("a"), end])],
        [Exchange(parts: [head(HTTPResponseStatus(statusCode: 418)), end])],
        [Exchange(parts: [head(HTTPResponseStatus(statusCode: 599, reasonPhrase: "")), end])],
        [Exchange(version: .http1_0, parts: [head(.custom(code: 520, reasonPhrase: "Odd"), version: .http1_0), end])],
        // The gateway's own answers.
        [Exchange(parts: [head(.unauthorized, [("content-type", "application/json"), ("content-length", "2"), ("www-authenticate", "Bearer")]), body("{}"), end])],
        [Exchange(method: .OPTIONS, parts: [head(.noContent, [("access-control-allow-origin", "*"), ("content-length", "0")]), end])],
        [Exchange(method: .DELETE, version: .http1_0, parts: [head(.badGateway, [("content-length", "2"), ("connection", "close")], version: .http1_0), body("{}"), end])],
        // State carried from one response to the next on one connection.
        [
            Exchange(method: .HEAD, parts: [head(.ok), end]),
            Exchange(parts: [head(.ok), body("after head"), end]),
            Exchange(parts: [head(.ok, [("content-length", "1")]), body("x"), end]),
            Exchange(method: .POST, parts: [head(.continue), head(.created), body("made"), end(trailers: [("a", "b")])]),
            Exchange(parts: [head(.notModified), end]),
            Exchange(parts: [head(.ok), body("chunked again"), end]),
        ],
    ]

    static func end(trailers: [(String, String)]) -> HTTPServerResponsePart {
        .end(HTTPHeaders(trailers))
    }

    @Test("the writer's bytes equal NIO's encoder's", arguments: corpus.indices)
    func sameBytesAsNIO(_ index: Int) throws {
        let exchanges = Self.corpus[index]
        let expected = try Self.nioBytes(exchanges)
        #expect(!expected.isEmpty)
        #expect(Self.writerBytes(exchanges).bytes == expected, "\(exchanges)")
    }

    @Test("every status code, both versions, with and without framing fields")
    func everyStatusCode() throws {
        for code in 100...599 {
            for version in [HTTPVersion.http1_1, .http1_0] {
                for fields in [[], [("content-length", "1")], [("transfer-encoding", "chunked")]] as [[(String, String)]] {
                    let status = HTTPResponseStatus(statusCode: code)
                    let final = status.code / 100 != 1 || code == 101
                    let parts = final
                        ? [Self.head(status, fields, version: version), Self.body("x"), Self.end]
                        : [Self.head(status, fields, version: version), Self.head(.ok, fields, version: version), Self.body("x"), Self.end]
                    let exchanges = [Exchange(version: version, parts: parts)]
                    let expected = try Self.nioBytes(exchanges)
                    let written = Self.writerBytes(exchanges).bytes
                    #expect(written == expected, "\(code) \(version) \(fields)")
                    if written != expected { return }
                }
            }
        }
    }

    @Test("random heads, methods and parts, seeded")
    func randomised() throws {
        var random = SplitMix64(seed: 0x7E57_0008)
        let names = ["content-length", "Content-Length", "transfer-encoding", "Transfer-Encoding", "x-a", "connection", "vary", "te", "trailer"]
        let statuses: [Int] = [100, 101, 103, 200, 201, 204, 206, 299, 304, 400, 401, 404, 431, 502, 504, 599]
        let methods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE, .OPTIONS]
        for _ in 0..<300 {
            var exchanges: [Exchange] = []
            // An HTTP/1.0 request ends its connection: it comes last.
            let count = Int.random(in: 1...3, using: &random)
            for index in 0..<count {
                let version: HTTPVersion = index == count - 1 && Bool.random(using: &random) ? .http1_0 : .http1_1
                let method = methods.randomElement(using: &random)!
                var fields: [(String, String)] = []
                for _ in 0..<Int.random(in: 0...4, using: &random) {
                    let name = names.randomElement(using: &random)!
                    fields.append((name, name.lowercased() == "content-length" ? "3" : "v\(Int.random(in: 0...9, using: &random))"))
                }
                var status = HTTPResponseStatus(statusCode: statuses.randomElement(using: &random)!)
                var parts: [HTTPServerResponsePart] = []
                if status.code / 100 == 1, status.code != 101 {
                    parts.append(Self.head(status, fields, version: version))
                    status = .ok
                }
                parts.append(Self.head(status, fields, version: version))
                // NIO fails body writes to HEAD responses; the handler never makes them.
                if method != .HEAD, status.mayHaveResponseBody {
                    for _ in 0..<Int.random(in: 0...3, using: &random) {
                        parts.append(Self.body(String(repeating: "b", count: Int.random(in: 0...40, using: &random))))
                    }
                }
                if status != .switchingProtocols {
                    parts.append(Bool.random(using: &random) ? Self.end : Self.end(trailers: [("x-t", "1")]))
                }
                exchanges.append(Exchange(method: method, version: version, parts: parts))
                if status == .switchingProtocols { break }
            }
            let expected = try Self.nioBytes(exchanges)
            let written = Self.writerBytes(exchanges).bytes
            #expect(written == expected, "\(exchanges)")
            if written != expected { return }
        }
    }

    @Test("a body part for a HEAD response is dropped, and its end writes nothing")
    func headResponseBodyDropped() {
        let exchanges = [Exchange(method: .HEAD, parts: [Self.head(.ok), Self.body("not sent"), Self.end])]
        let written = Self.writerBytes(exchanges)
        #expect(written.bytes == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        #expect(written.writes == 1)
    }

    @Test("a chunked part goes out in three writes without copying it; a Content-Length part in one")
    func writesPerPart() {
        let chunked = Self.writerBytes([Exchange(parts: [Self.head(.ok), Self.body("abc"), Self.end])])
        #expect(chunked.bytes == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(chunked.writes == 5)
        let sized = Self.writerBytes([Exchange(parts: [Self.head(.ok, [("content-length", "3")]), Self.body("abc"), Self.end])])
        #expect(sized.bytes == "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc")
        #expect(sized.writes == 2)
    }
}
