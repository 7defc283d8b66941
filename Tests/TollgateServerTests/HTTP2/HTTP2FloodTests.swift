import Foundation
import Testing

/// Hostile HTTP/2 clients, written frame by frame: each must lose its
/// connection (with the right GOAWAY) without hurting the gateway.
@Suite("HTTP/2 flood limits", .serialized)
struct HTTP2FloodTests {
    typealias Code = HTTP2Frames.ErrorCode

    /// Runs `body` on a started raw HTTP/2 connection to a gateway with `limits`,
    /// then checks that the gateway still serves HTTP/2 on a new connection.
    static func withConnection(limits: String, _ body: (RawHTTP2Connection, GatewayFixture) throws -> Void) async throws {
        try await GatewayFixture.run(limits: limits) { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port, receiveTimeout: .seconds(5))
            try connection.start()
            try body(connection, fixture)
            let fresh = try HTTP2Tools.curl(port: fixture.port, "/after")
            #expect(fresh.status == 200)
        }
    }

    @Test("rapid reset (CVE-2023-44487): GOAWAY ENHANCE_YOUR_CALM, then closed")
    func rapidReset() async throws {
        try await Self.withConnection(limits: "  http2_max_reset_frames: 20") { connection, _ in
            var burst: [UInt8] = []
            for index in 0..<30 {
                let stream = UInt32(2 * index + 1)
                burst += HTTP2Frames.headers(stream: stream, HTTP2Frames.requestBlock(path: "/slow?ms=2000"))
                burst += HTTP2Frames.rstStream(stream: stream)
            }
            connection.send(burst)
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode == Code.enhanceYourCalm)
        }
    }

    @Test("CONTINUATION flood: GOAWAY ENHANCE_YOUR_CALM, then closed")
    func continuationFlood() async throws {
        try await Self.withConnection(limits: "") { connection, _ in
            var frames = HTTP2Frames.headers(stream: 1, HTTP2Frames.requestBlock(path: "/x"), endHeaders: false)
            for index in 0..<20 {
                frames += HTTP2Frames.continuation(stream: 1, HTTP2Frames.literal("x-fill-\(index)", "v"), endHeaders: false)
            }
            connection.send(frames)
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode == Code.enhanceYourCalm)
        }
    }

    @Test("PING flood: GOAWAY ENHANCE_YOUR_CALM, then closed")
    func pingFlood() async throws {
        try await Self.withConnection(limits: "  http2_max_control_frames: 50") { connection, _ in
            connection.send((0..<60).flatMap { HTTP2Frames.ping(UInt64($0)) })
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode == Code.enhanceYourCalm)
        }
    }

    @Test("SETTINGS flood: GOAWAY ENHANCE_YOUR_CALM, then closed")
    func settingsFlood() async throws {
        try await Self.withConnection(limits: "  http2_max_control_frames: 50") { connection, _ in
            connection.send((0..<60).flatMap { _ in HTTP2Frames.settings([(0x3, 100)]) })
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode == Code.enhanceYourCalm)
        }
    }

    @Test("a client that never reads its PING acknowledgements is closed once they pile up")
    func unreadAcknowledgements() async throws {
        let limits = "  http2_max_control_frames: 10000000\n  http2_max_buffered_control_frames: 100"
        try await Self.withConnection(limits: limits) { connection, _ in
            let batch = (0..<4096).flatMap { HTTP2Frames.ping(UInt64($0)) }
            var sent = 0
            while sent < 2000, connection.send(batch) { sent += 1 }
            // Either the sends already failed, or the gateway closes what is left.
            #expect(sent < 2000 || connection.readUntilClosed())
        }
    }

    @Test("a stream beyond http2_max_concurrent_streams: GOAWAY PROTOCOL_ERROR, nothing of it forwarded")
    func tooManyStreams() async throws {
        try await GatewayFixture.run(limits: "  http2_max_concurrent_streams: 2") { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port, receiveTimeout: .seconds(5))
            try connection.start()
            for (stream, id) in [(UInt32(1), "a"), (3, "b"), (5, "c")] {
                connection.send(HTTP2Frames.headers(stream: stream, HTTP2Frames.requestBlock(path: "/hold?id=\(id)")))
            }
            // swift-nio-http2 1.46 treats a stream beyond the advertised limit as a
            // connection error: GOAWAY PROTOCOL_ERROR, and the connection closes.
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode == Code.protocolError)
            #expect(fixture.upstream.isHolding("c") == false)
            #expect(fixture.upstream.received.contains { $0.uri.contains("id=c") } == false)
        }
    }

    @Test("a header block over the limits: 431 within the backstop, the connection ends beyond it")
    func headerListSize() async throws {
        try await GatewayFixture.run(limits: "  max_header_bytes: 4KiB\n  max_request_line_bytes: 1KiB") { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port, receiveTimeout: .seconds(5))
            try connection.start()
            let large = String(repeating: "a", count: 4500)
            connection.send(HTTP2Frames.headers(stream: 1, HTTP2Frames.requestBlock(path: "/x", [("x-large", large)])))
            #expect(connection.read { connection.responses[1]?.ended == true })
            #expect(connection.responses[1]?.status == 431)
            #expect(connection.responses[1]?.json["error"] as? String == "request_header_fields_too_large")

            let huge = String(repeating: "b", count: 16000)
            connection.send(HTTP2Frames.headers(stream: 3, HTTP2Frames.requestBlock(path: "/x", [("x-huge", huge)])))
            #expect(connection.readUntilClosed())
            #expect(connection.goAwayCode != nil)
            #expect(connection.goAwayCode != Code.noError)
            #expect(fixture.upstream.received.isEmpty)
        }
    }
}
