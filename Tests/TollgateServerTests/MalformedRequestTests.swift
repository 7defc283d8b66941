import Foundation
import Testing

@Suite("Malformed requests from a raw socket", .serialized)
struct MalformedRequestTests {
    static let cases: [(String, String)] = [
        ("bad request line", "GET\r\nHost: a\r\n\r\n"),
        ("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("two different Content-Lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n"),
        ("bare LF", "GET / HTTP/1.1\nHost: a\n\n"),
        ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
        ("bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
    ]

    @Test("each malformed request gets 400 and a closed connection, and nothing is forwarded", arguments: 0..<cases.count)
    func malformed(index: Int) async throws {
        let (name, request) = Self.cases[index]
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(request)
            let response = try connection.readResponse()
            #expect(response.status == 400, "\(name)")
            #expect(response.json["error"] as? String == "invalid_request", "\(name)")
            #expect(connection.waitForClose(), "\(name)")
            #expect(fixture.upstream.received.isEmpty, "\(name) reached the upstream")
        }
    }
}

@Suite("Transfer codings other than chunked", .serialized)
struct TransferCodingTests {
    static let refused: [(String, String?)] = [
        ("gzip, chunked", "gzip"),
        ("GZIP ,chunked", "GZIP"),
        ("gzip, deflate, chunked", "gzip"),
        ("deflate,chunked", "deflate"),
        ("x-custom-coding , chunked", "x-custom-coding"),
        ("compress, \tchunked", "compress"),
        ("identity, br, chunked", "br"),
    ]

    @Test("a body in another coding before chunked is 501 not_implemented, the connection closes, nothing is forwarded",
          arguments: 0..<refused.count)
    func refusedCoding(index: Int) async throws {
        let (value, shown) = Self.refused[index]
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST /things HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 501, "\(value)")
            #expect(response.json["error"] as? String == "not_implemented", "\(value)")
            let description = response.json["error_description"] as? String ?? ""
            #expect(description.contains("only chunked"), "\(value)")
            if let shown { #expect(description.contains("(\(shown))"), "\(value): \(description)") }
            #expect(connection.waitForClose(), "\(value)")
            #expect(fixture.upstream.received.isEmpty, "\(value) reached the upstream")
        }
    }

    @Test("a coding name that is not a short token is not echoed")
    func oddCodingNotEchoed() async throws {
        try await GatewayFixture.run { fixture in
            let long = String(repeating: "z", count: 40)
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("POST /things HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(long), chunked\r\n\r\n0\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 501)
            let description = response.json["error_description"] as? String ?? ""
            #expect(!description.contains(long))
            #expect(description == "the request body's transfer coding is not supported: only chunked is")
        }
    }

    @Test("chunked alone, in any case and with spaces, or after identity, is still forwarded")
    func chunkedForwarded() async throws {
        try await GatewayFixture.run { fixture in
            for value in ["chunked", "Chunked", " chunked ", "CHUNKED", "identity, chunked"] {
                let connection = try RawHTTPConnection(port: fixture.port)
                try connection.send("POST /things HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                let response = try connection.readResponse()
                #expect(response.status == 200, "\(value)")
            }
            try await fixture.upstream.waitForRequests(5)
            #expect(fixture.upstream.received.allSatisfy { $0.bodyBytes == 5 })
        }
    }
}
