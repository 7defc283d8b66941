import Crypto
import Foundation
import Testing

@Suite("Streaming large bodies with flat memory", .serialized)
struct StreamingTests {
    static let size = 256 * 1024 * 1024
    /// The gateway's peak RSS may not exceed this while moving 256 MiB each way:
    /// bodies stream through with backpressure, never buffered whole.
    static let rssCeiling = 96 * 1024 * 1024

    @Test("256 MiB up and 256 MiB down arrive intact (SHA-256) while the gateway's RSS stays flat")
    func largeBodies() async throws {
        try await GatewayFixture.run(limits: "  max_body_bytes: 1GiB\n  request_timeout: 120s") { fixture in
            let upload = try RawHTTPConnection(port: fixture.port, receiveTimeout: .seconds(120))
            try upload.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: \(Self.size)\r\n\r\n")
            var hasher = SHA256()
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var offset = 0
            while offset < Self.size {
                chunk.withUnsafeMutableBytes { TestPattern.fill($0, startingAt: offset) }
                hasher.update(data: chunk)
                try chunk.withUnsafeBytes { try upload.send($0) }
                offset += chunk.count
            }
            let expected = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            let uploaded = try upload.readResponse()
            #expect(uploaded.status == 200)
            #expect(uploaded.json["body_bytes"] as? Int == Self.size)
            #expect(uploaded.json["body_sha256"] as? String == expected)

            let download = try RawHTTPConnection(port: fixture.port, receiveTimeout: .seconds(120))
            try download.send("GET /bytes?n=\(Self.size) HTTP/1.1\r\nHost: a\r\n\r\n")
            var received = SHA256()
            var count = 0
            let response = try download.readResponse { bytes in
                received.update(bufferPointer: bytes)
                count += bytes.count
            }
            #expect(response.status == 200)
            #expect(count == Self.size)
            #expect(received.finalize().map { String(format: "%02x", $0) }.joined() == TestPattern.sha256(count: Self.size))

            let peak = try #require(fixture.gateway.peakRSS())
            print("gateway peak RSS after 256 MiB each way: \(peak / 1024 / 1024) MiB")
            #expect(peak < Self.rssCeiling)
        }
    }

    @Test("a slow reader throttles the upstream instead of growing the gateway's memory")
    func slowReader() async throws {
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTPConnection(port: fixture.port, receiveTimeout: .seconds(30))
            try connection.send("GET /bytes?n=\(64 * 1024 * 1024) HTTP/1.1\r\nHost: a\r\n\r\n")
            // Read nothing for a while: the upstream must stall, not the gateway buffer 64 MiB.
            try await Task.sleep(for: .seconds(1.5))
            let peak = try #require(fixture.gateway.peakRSS())
            #expect(peak < 48 * 1024 * 1024, "gateway buffered \(peak / 1024 / 1024) MiB for a reader that reads nothing")
            var count = 0
            _ = try connection.readResponse { count += $0.count }
            #expect(count == 64 * 1024 * 1024)
        }
    }
}
