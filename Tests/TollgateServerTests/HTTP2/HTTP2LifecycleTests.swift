import Foundation
import Testing

@Suite("HTTP/2 connection lifecycle: idle GOAWAY, drain GOAWAY", .serialized)
struct HTTP2LifecycleTests {
    @Test("an h2 connection without streams for idle_timeout gets GOAWAY NO_ERROR and is closed")
    func idle() async throws {
        try await GatewayFixture.run(limits: "  idle_timeout: 500ms") { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port, receiveTimeout: .seconds(5))
            try connection.start()
            connection.send(HTTP2Frames.headers(stream: 1, HTTP2Frames.requestBlock(path: "/x")))
            #expect(connection.read { connection.responses[1]?.ended == true })
            #expect(connection.responses[1]?.status == 200)
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode == HTTP2Frames.ErrorCode.noError)
        }
    }

    @Test("SIGTERM: GOAWAY NO_ERROR, the in-flight stream finishes, the gateway exits 0")
    func drain() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port, receiveTimeout: .seconds(5))
            try connection.start()
            connection.send(HTTP2Frames.headers(stream: 1, HTTP2Frames.requestBlock(path: "/hold?id=h2drain")))
            try await fixture.upstream.waitForHeld("h2drain")
            fixture.gateway.signal(SIGTERM)
            #expect(connection.read { connection.goAwayCode != nil })
            #expect(connection.goAwayCode == HTTP2Frames.ErrorCode.noError)
            #expect(fixture.gateway.process.isRunning)
            try await fixture.upstream.release("h2drain")
            #expect(connection.read { connection.responses[1]?.ended == true })
            #expect(connection.responses[1]?.status == 200)
            #expect(connection.readUntilClosed())
            #expect(fixture.gateway.waitForExit(timeout: .seconds(10)) == 0)
        }
    }
}
