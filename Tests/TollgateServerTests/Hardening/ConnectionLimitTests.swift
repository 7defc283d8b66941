import Foundation
import Testing

/// `limits.max_connections` under a client that keeps opening connections
/// (`LimitsTests` covers the basic case).
@Suite("Connection limit under a connection flood", .serialized)
struct ConnectionLimitTests {
    @Test("connections beyond max_connections are closed at once without an answer, and their requests never reach the upstream")
    func floodIsRefused() async throws {
        try await GatewayFixture.run(limits: "  max_connections: 3") { fixture in
            let held = try (0..<3).map { _ in try RawHTTPConnection(port: fixture.port) }
            try held[0].send("GET /held HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try held[0].readResponse().status == 200)

            for index in 0..<20 {
                let extra = try RawHTTPConnection(port: fixture.port)
                try? extra.send("GET /flood\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
                let started = ContinuousClock.now
                #expect(extra.waitForClose(timeout: .seconds(2)), "connection \(index) beyond the limit stayed open")
                #expect(ContinuousClock.now - started < .seconds(1))
                #expect(throws: (any Error).self, "connection \(index) was answered") { try extra.readResponse() }
            }
            // The connections within the limit were not disturbed.
            for (index, connection) in held.enumerated() {
                try connection.send("GET /still\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(try connection.readResponse().status == 200)
            }
            #expect(fixture.upstream.headsSeen.allSatisfy { !$0.hasPrefix("/flood") })
        }
    }

    @Test("a slot freed by a closing connection is given to the next one")
    func freedSlotIsReused() async throws {
        try await GatewayFixture.run(limits: "  max_connections: 1") { fixture in
            do {
                let first = try RawHTTPConnection(port: fixture.port)
                try first.send("GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                #expect(try first.readResponse().status == 200)
                #expect(first.waitForClose())
            }
            var served = false
            for _ in 0..<50 where !served {
                let next = try RawHTTPConnection(port: fixture.port)
                try? next.send("GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
                served = (try? next.readResponse().status) == 200
                if !served { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(served)
        }
    }
}
