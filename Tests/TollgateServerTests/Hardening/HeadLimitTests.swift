import Foundation
import Testing

/// Head limits beyond `LimitsTests` (one long header value, a long request
/// line): many small headers, a long header name, and that each refusal closes
/// the connection with nothing forwarded.
@Suite("Head limits against abusive heads", .serialized)
struct HeadLimitTests {
    static let limits = """
          max_request_line_bytes: 256
          max_header_bytes: 2KiB
        """

    @Test("too many small headers give 431, whether slightly or far over max_header_bytes", arguments: [300, 20_000])
    func tooManyHeaders(count: Int) async throws {
        try await GatewayFixture.run(limits: Self.limits) { fixture in
            let headers = (0..<count).map { "X-H\($0): v\r\n" }.joined()
            let connection = try RawHTTPConnection(port: fixture.port)
            try? connection.send("GET /many HTTP/1.1\r\nHost: a\r\n\(headers)\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 431)
            #expect(response.json["error"] as? String == "request_header_fields_too_large")
            #expect(connection.waitForClose())
            #expect(fixture.upstream.headsSeen.isEmpty)
        }
    }

    @Test("a header name longer than the head limit gives 431")
    func longHeaderName() async throws {
        try await GatewayFixture.run(limits: Self.limits) { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try? connection.send("GET /name HTTP/1.1\r\nHost: a\r\nX-\(String(repeating: "n", count: 64 * 1024)): v\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 431)
            #expect(connection.waitForClose())
            #expect(fixture.upstream.headsSeen.isEmpty)
        }
    }

    @Test("a request line far over the limit gives 414 or 431 and closes; a 1 MiB one does not grow memory")
    func hugeRequestLine() async throws {
        try await GatewayFixture.run(limits: Self.limits) { fixture in
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /warm HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            let before = try #require(fixture.gateway.peakRSS())
            let connection = try RawHTTPConnection(port: fixture.port)
            try? connection.send("GET /\(String(repeating: "a", count: 1 << 20)) HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try connection.readResponse()
            let after = try #require(fixture.gateway.peakRSS())
            #expect([414, 431].contains(response.status), "status \(response.status)")
            #expect(connection.waitForClose())
            #expect(after - before < 4 * 1024 * 1024, "peak RSS grew by \((after - before) / 1024) KiB")
            #expect(fixture.upstream.headsSeen == ["/warm"])
        }
    }
}
