import NIOCore
import Testing

/// The upstream codec through the real gateway, for what the smuggling and
/// WebSocket suites do not exercise: bytes that arrive in the same read as a
/// 101, and a response to HEAD on a reused connection.
@Suite("Upstream codec through the gateway", .serialized)
struct UpstreamCodecGatewayTests {
    static let frame: [UInt8] = [0x81, 0x05] + Array("early".utf8)

    @Test("a frame the upstream sends in the same write as its 101 reaches the client through the tunnel")
    func bytesAfterTheSwitch() async throws {
        let switching = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8)
        let script: RecordingUpstream.Script = { request in
            request.uri == "/public/ws" ? RecordingUpstream.Reply(bytes: switching + Self.frame) : .naming(request.uri)
        }
        try await SmugglingFixture.run(script: script) { fixture in
            let client = try RawHTTPConnection(port: fixture.port)
            try client.send(WebSocketWire.upgradeRequest(path: "/public/ws", token: nil))
            let response = try client.readResponse(forHead: true)
            #expect(response.status == 101, "\(response.status) \(response.text)")
            let received = try WebSocketWire.readServerFrame(client)
            #expect(received.opcode == 0x1 && received.payload == Array("early".utf8), "\(received)")
        }
    }

    @Test("HEAD then GET on one pooled connection: the HEAD response has no body, the GET response has its own")
    func headThenGet() async throws {
        let script: RecordingUpstream.Script = { request in
            let body = "path=\(request.uri)"
            return .raw("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + (request.method == "HEAD" ? "" : body))
        }
        try await SmugglingFixture.run(poolSize: 1, script: script) { fixture in
            let client = try RawHTTPConnection(port: fixture.port)
            try client.send("HEAD /public/a HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try client.readResponse(forHead: true)
            #expect(head.status == 200 && head.header("content-length") == "14")
            try client.send("GET /public/b HTTP/1.1\r\nHost: a\r\n\r\n")
            let get = try client.readResponse()
            #expect(get.status == 200 && get.text == "path=/public/b", "\(get.status) \(get.text)")
            let requests = fixture.upstream.requests
            #expect(requests.map(\.uri) == ["/public/a", "/public/b"])
            #expect(requests.count == 2 && requests[0].connection == requests[1].connection, "the connection was not reused")
        }
    }
}
