import Foundation
import Testing

@Suite("HTTP/2 flow control end to end", .serialized)
struct HTTP2FlowControlTests {
    static let bodyBytes = 48 << 20

    static func config(appPort: Int, stalledPort: Int) -> String {
        """
        server:
          listen: 127.0.0.1:0
          workers: 1
        limits:
          max_body_bytes: 256MiB
          header_timeout: 2s
          request_timeout: 60s
        cors: {}
        upstreams:
          - name: app
            targets: [127.0.0.1:\(appPort)]
          - name: stalled
            targets: [127.0.0.1:\(stalledPort)]
            timeout: 60s
        routes:
          - path: /upload
            upstream: stalled
            auth: none
          - path: /**
            upstream: app
            auth: none
        """
    }

    /// Sends DATA on `stream` within the flow-control windows the gateway granted.
    final class Uploader {
        let connection: RawHTTP2Connection
        let stream: UInt32
        private(set) var sent = 0
        /// DATA bytes other streams sent on the same connection.
        var otherStreamsSent = 0
        private let chunk = [UInt8](repeating: 0x61, count: 16384)

        init(_ connection: RawHTTP2Connection, stream: UInt32) {
            self.connection = connection
            self.stream = stream
        }

        /// Window left on the connection and on this stream.
        var windows: (connection: Int, stream: Int) {
            (
                65535 + connection.windowCredit[0, default: 0] - sent - otherStreamsSent,
                65535 + connection.windowCredit[stream, default: 0] - sent
            )
        }

        /// Sends up to `target` bytes in total; false when the gateway stopped granting window (a read timed out).
        func pump(until target: Int) -> Bool {
            while sent < target {
                let size = min(chunk.count, windows.connection, windows.stream, target - sent)
                if size > 0 {
                    connection.send(HTTP2Frames.data(stream: stream, Array(chunk[..<size])))
                    sent += size
                } else if (try? connection.readFrame()) == nil {
                    return false
                }
            }
            return true
        }
    }

    @Test("a slow upstream reader throttles its stream only: other streams on the connection complete meanwhile")
    func slowReaderThrottlesOneStream() async throws {
        let app = try await TestUpstream.start()
        let stalled = try await StalledUpstream.start()
        let gateway: GatewayProcess
        do {
            gateway = try GatewayProcess.start(config: Self.config(appPort: app.port, stalledPort: stalled.port))
        } catch {
            await app.stop()
            await stalled.stop()
            throw error
        }
        try await stopping((gateway, app, stalled), after: { _ in
            let connection = try RawHTTP2Connection(port: gateway.port, receiveTimeout: .seconds(1))
            try connection.start()
            connection.send(HTTP2Frames.headers(stream: 1, HTTP2Frames.requestBlock(method: "POST", path: "/upload"), endStream: false))
            let upload = Uploader(connection, stream: 1)

            // The upstream reads nothing: the stream's window closes once the socket buffers are full.
            #expect(upload.pump(until: Self.bodyBytes) == false, "the stream was never throttled")
            let stalledAt = upload.sent
            #expect(stalledAt < Self.bodyBytes)
            #expect(upload.windows.stream <= 0)
            // ...while the connection window was handed back for everything received.
            #expect(upload.windows.connection >= 4096)

            connection.send(HTTP2Frames.headers(stream: 3, HTTP2Frames.requestBlock(method: "POST", path: "/echo"), endStream: false))
            connection.send(HTTP2Frames.data(stream: 3, [UInt8](repeating: 0x62, count: 4096), endStream: true))
            upload.otherStreamsSent += 4096
            connection.setReceiveTimeout(.seconds(10))
            #expect(connection.read { connection.responses[3]?.ended == true })
            #expect(connection.responses[3]?.status == 200)
            #expect(connection.responses[3]?.json["body_bytes"] as? Int == 4096)
            #expect(connection.responses[1] == nil)
            print("HTTP/2 flow control: stream 1 stalled after \(stalledAt) bytes")

            try await stalled.resume()
            #expect(upload.pump(until: Self.bodyBytes))
            connection.send(HTTP2Frames.data(stream: 1, [], endStream: true))
            #expect(connection.read { connection.responses[1]?.ended == true })
            #expect(connection.responses[1]?.status == 200)
            #expect(connection.responses[1]?.json["body_bytes"] as? Int == Self.bodyBytes)
        }, stop: { parts in
            parts.0.stop()
            await parts.1.stop()
            await parts.2.stop()
        })
    }
}
