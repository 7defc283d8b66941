import Foundation
import Testing

/// Request-smuggling attempts beyond `MalformedRequestTests`' basic matrix
/// (CL+TE, two CLs, obs-fold, bare LF, space before colon, bad chunk size),
/// each followed on the same connection by a request the attack would like
/// the upstream to read as part of something else. (NIO's llhttp accepts
/// `GET  /x` with two spaces; it is unambiguous and the gateway writes its
/// own request line upstream, so it is not in the matrix.)
@Suite("Request smuggling and desync", .serialized)
struct SmugglingTests {
    static let follower = "GET /follower HTTP/1.1\r\nHost: a\r\n\r\n"

    static let attacks: [(name: String, request: String)] = [
        ("Transfer-Encoding: chunked, identity",
         "POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        ("Transfer-Encoding: identity alone",
         "POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        ("two Transfer-Encoding fields, chunked then identity",
         "POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        ("Transfer-Encoding: xchunked",
         "POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        ("Transfer-Encoding before Content-Length",
         "POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 20\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"),
        ("Content-Length and Transfer-Encoding hiding a request",
         "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("Content-Length list with different values",
         "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!"),
        ("Content-Length with a sign", "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello"),
        ("negative Content-Length", "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
        ("hexadecimal Content-Length", "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello"),
        ("Content-Length overflowing 64 bits",
         "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\nhello"),
        ("chunk size overflowing 64 bits",
         "POST /chunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n"),
        ("negative chunk size", "POST /chunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n"),
        ("chunk data longer than its size",
         "POST /chunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"),
        ("bare LF in chunk framing",
         "POST /chunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n"),
        ("bare CR inside a header line", "GET /cr HTTP/1.1\r\nHost: a\rX-Injected: 1\r\n\r\n"),
        ("vertical tab before a header value", "POST /vt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\u{0B}chunked\r\n\r\n0\r\n\r\n"),
        ("NUL in a header value", "GET /nul HTTP/1.1\r\nHost: a\r\nX-Nul: a\u{0}b\r\n\r\n"),
        ("a header name with a separator in it", "GET /name HTTP/1.1\r\nHost: a\r\nX(Name): 1\r\n\r\n"),
        ("tab before the colon", "GET /tab HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n"),
        ("HTTP/1.1 without a version digit", "GET /version HTTP/1.\r\nHost: a\r\n\r\n"),
    ]

    @Test("each attack gets 400 and a closed connection; neither it nor the request after it reaches the upstream",
          arguments: 0..<attacks.count)
    func attackThenFollower(index: Int) async throws {
        let (name, request) = Self.attacks[index]
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send(request + Self.follower)
            let response = try connection.readResponse()
            #expect(response.status == 400, "\(name): \(response.status)")
            #expect(response.json["error"] as? String == "invalid_request", "\(name)")
            #expect(connection.waitForClose(), "\(name): the connection stayed open")
            try await Task.sleep(for: .milliseconds(100))
            #expect(fixture.upstream.headsSeen.isEmpty, "\(name) reached the upstream: \(fixture.upstream.headsSeen)")
        }
    }

    @Test("a 16 MiB chunk extension costs bounded memory; the 5-byte chunk still arrives as 5 bytes")
    func hugeChunkExtension() async throws {
        try await GatewayFixture.run(limits: "  request_timeout: 20s") { fixture in
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /warm HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
            let before = try #require(fixture.gateway.peakRSS())
            let connection = try RawHTTPConnection(port: fixture.port, receiveTimeout: .seconds(20))
            try connection.send("POST /ext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=")
            let extensionBytes = [UInt8](repeating: UInt8(ascii: "v"), count: 1 << 20)
            var sentMiB = 0
            do {
                for _ in 0..<16 {
                    try connection.send(extensionBytes)
                    sentMiB += 1
                }
                try connection.send("\r\nhello\r\n0\r\n\r\n")
            } catch {
                // The gateway may refuse and close before the extension ends.
            }
            let response = try connection.readResponse()
            let after = try #require(fixture.gateway.peakRSS())
            print("chunk extension: \(sentMiB) MiB sent, status \(response.status), gateway peak RSS \(before / 1024) KiB -> \(after / 1024) KiB")
            #expect(after - before < 8 * 1024 * 1024, "the gateway's peak RSS grew by \((after - before) / 1024) KiB")
            if response.status == 200 {
                #expect(response.json["body_bytes"] as? Int == 5)
                let forwarded = try #require(fixture.upstream.received.last)
                #expect(forwarded.bodyBytes == 5)
            } else {
                #expect([400, 413, 431].contains(response.status))
                #expect(connection.waitForClose())
            }
        }
    }

    @Test("tricky but valid framing on one keep-alive connection reaches a single pooled upstream connection request by request")
    func validFramingStaysInStep() async throws {
        try await GatewayFixture.run(upstreamOptions: "    max_connections: 1") { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            let requests = [
                "POST /one HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=\"GET /x HTTP/1.1\"\r\nhello\r\n0\r\nX-Trailer: GET /smuggled HTTP/1.1\r\n\r\n",
                "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 24\r\n\r\nGET /smuggled HTTP/1.1\r\n",
                "GET /three HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                "POST /four HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nGET /smuggled HTTP/1.1\r\n\r\n\r\n0\r\n\r\n",
            ]
            try connection.send(requests.joined())
            for (uri, bodyBytes) in [("/one", 5), ("/two", 24), ("/three", 0), ("/four", 26)] {
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.json["uri"] as? String == uri)
                #expect(response.json["body_bytes"] as? Int == bodyBytes, "\(uri)")
            }
            #expect(fixture.upstream.received.map(\.uri) == ["/one", "/two", "/three", "/four"])
            #expect(fixture.upstream.headsSeen == ["/one", "/two", "/three", "/four"])
            #expect(fixture.upstream.connectionCount == 1)
        }
    }

    @Test("a request cut off mid-body (413) never shares its half-written upstream connection with the next request")
    func cutOffBodyIsNotSpliced() async throws {
        try await GatewayFixture.run(limits: "  max_body_bytes: 1KiB", upstreamOptions: "    max_connections: 1") { fixture in
            let attacker = try RawHTTPConnection(port: fixture.port)
            let chunk = String(repeating: "G", count: 600)
            try attacker.send("POST /cut HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n")
            try await Task.sleep(for: .milliseconds(200))
            // The second chunk takes the body over the limit: the gateway must drop the upstream connection.
            try attacker.send("258\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(try attacker.readResponse().status == 413)
            #expect(attacker.waitForClose())

            let next = try RawHTTPConnection.exchange(port: fixture.port, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(next.status == 200)
            #expect(next.json["uri"] as? String == "/next")
            #expect(next.json["body_bytes"] as? Int == 0)
            #expect(fixture.upstream.received.map(\.uri) == ["/next"])
            #expect(fixture.upstream.headsSeen == ["/cut", "/next"])
            #expect(fixture.upstream.connectionCount == 2)
        }
    }
}
