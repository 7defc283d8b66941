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
