import Foundation
import Testing

/// RFC 9113 §8.3.1: a `host` field that names another authority than
/// `:authority` makes the request malformed; the gateway answers 400 before
/// routing, since it routes by `host` and a proxy in front may have routed by
/// `:authority`.
@Suite("HTTP/2: host against :authority", .serialized)
struct AuthorityTests {
    /// Sends one request per case on its own stream of one connection and returns each response.
    static func exchange(_ cases: [[(String, String)]], authority: String = "api.test") async throws -> [RawHTTP2Connection.Response] {
        var responses: [RawHTTP2Connection.Response] = []
        try await GatewayFixture.run { fixture in
            let connection = try RawHTTP2Connection(port: fixture.port, receiveTimeout: .seconds(5))
            try connection.start()
            for (index, fields) in cases.enumerated() {
                let stream = UInt32(2 * index + 1)
                connection.send(HTTP2Frames.headers(stream: stream, HTTP2Frames.requestBlock(path: "/things/\(index)", authority: authority, fields)))
                #expect(connection.read { connection.responses[stream]?.ended == true })
                responses.append(connection.responses[stream] ?? .init())
            }
            let after = try HTTP2Tools.curl(port: fixture.port, "/after")
            #expect(after.status == 200)
            let seen = fixture.upstream.headsSeen
            for (index, response) in responses.enumerated() where response.status == 400 {
                #expect(!seen.contains("/things/\(index)"), "a refused request reached the upstream")
            }
        }
        return responses
    }

    @Test("a host naming another authority is 400 invalid_request and never reaches the upstream")
    func mismatch() async throws {
        let responses = try await Self.exchange([
            [("host", "admin.test")],
            [("host", "api.test.evil")],
            [("host", "api.test:8443")],
            [("host", "api.test"), ("host", "admin.test")],
        ])
        for response in responses {
            #expect(response.status == 400)
            #expect(response.header("content-type") == "application/json")
            #expect(response.json["error"] as? String == "invalid_request")
            #expect((response.json["error_description"] as? String)?.contains(":authority") == true)
        }
    }

    @Test("a host naming the same authority, in another case or with the scheme's port, is served")
    func same() async throws {
        let responses = try await Self.exchange([
            [],
            [("host", "api.test")],
            [("host", "API.Test")],
            [("host", "api.test:80")],
        ])
        #expect(responses.map(\.status) == [200, 200, 200, 200])
    }
}
