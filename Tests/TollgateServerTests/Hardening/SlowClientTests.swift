import Foundation
import Testing

@Suite("Slow clients: slowloris heads and stalled bodies", .serialized)
struct SlowClientTests {
    @Test("a head trickled one byte per 200 ms is cut off at header_timeout (408) while another client is served")
    func slowloris() async throws {
        try await GatewayFixture.run(limits: "  header_timeout: 1s") { fixture in
            let slow = try RawHTTPConnection(port: fixture.port)
            let head = Array("GET /slowloris HTTP/1.1\r\nHost: a\r\nX-Padding: \(String(repeating: "p", count: 64))\r\n\r\n".utf8)
            let started = ContinuousClock.now
            var sent = 0
            var answer: RawResponse?
            var servedMeanwhile = false
            while answer == nil, sent < head.count {
                try slow.send([head[sent]])
                sent += 1
                // Look for the gateway's answer without blocking the trickle for long.
                slow.setReceiveTimeout(.milliseconds(200))
                answer = try? slow.readResponse()
                if sent == 3 {
                    // The gateway runs one event loop (workers: 1): the slow client must not hold it.
                    let other = try RawHTTPConnection.exchange(port: fixture.port, "GET /meanwhile HTTP/1.1\r\nHost: a\r\n\r\n")
                    servedMeanwhile = other.status == 200
                }
            }
            let elapsed = ContinuousClock.now - started
            let response = try #require(answer, "the gateway read the whole trickled head (\(sent) bytes) without answering")
            #expect(response.status == 408)
            #expect(response.json["error"] as? String == "request_timeout")
            // At 200 ms a byte, about 5 fit in header_timeout; a loaded machine may stretch each wait.
            #expect(sent >= 3, "only \(sent) bytes were trickled before the answer")
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3), "answered after \(elapsed)")
            #expect(slow.waitForClose(timeout: .seconds(3)))
            #expect(servedMeanwhile)
            #expect(fixture.upstream.headsSeen == ["/meanwhile"])
        }
    }

    @Test("a body that stalls mid-way gets 408 at request_timeout; the upstream connection it used is closed, not pooled")
    func stalledBody() async throws {
        try await GatewayFixture.run(limits: "  request_timeout: 1s", upstreamOptions: "    max_connections: 1") { fixture in
            let stalled = try RawHTTPConnection(port: fixture.port)
            try stalled.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 100))
            let started = ContinuousClock.now
            let response = try stalled.readResponse()
            #expect(response.status == 408)
            #expect(response.json["error"] as? String == "request_timeout")
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(stalled.waitForClose())

            // The upstream saw the head and part of the body, never a complete request…
            #expect(fixture.upstream.headsSeen == ["/upload"])
            #expect(fixture.upstream.received.isEmpty)
            // …and the half-written connection was closed rather than handed to the next request.
            #expect(try await eventually { fixture.upstream.openConnectionCount == 0 })
            let next = try RawHTTPConnection.exchange(port: fixture.port, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(next.status == 200)
            #expect(next.json["uri"] as? String == "/next")
            #expect(next.json["body_bytes"] as? Int == 0)
            #expect(fixture.upstream.connectionCount == 2)
            #expect(fixture.upstream.received.map(\.uri) == ["/next"])
        }
    }

    @Test("a chunked body that stalls between chunks is cut off the same way")
    func stalledChunkedBody() async throws {
        try await GatewayFixture.run(limits: "  request_timeout: 1s") { fixture in
            let stalled = try RawHTTPConnection(port: fixture.port)
            try stalled.send("POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            let response = try stalled.readResponse()
            #expect(response.status == 408)
            #expect(stalled.waitForClose())
            #expect(fixture.upstream.received.isEmpty)
            #expect(try await eventually { fixture.upstream.openConnectionCount == 0 })
        }
    }
}
