import Foundation
import Testing

@Suite("Matrix parameters in the path", .serialized)
struct SemicolonPathTests {
    static let routes = """
          - path: /admin/**
            upstream: app
          - path: /**
            upstream: app
            auth: none
        """

    @Test("a ';' in the path, raw or %3B, is refused with 400 before it can fall to a broader route", arguments: [
        "/admin;x/secret", "/admin%3Bx/secret", "/admin%3bx/secret", "/admin/secret;jsessionid=1", "/..;/admin/secret",
    ])
    func semicolonRefused(path: String) async throws {
        try await GatewayFixture.run(routes: Self.routes) { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_request")
            #expect((response.json["error_description"] as? String)?.contains("';'") == true)
            // Without a token, /admin/secret itself is 401: the protected route still guards it.
            let direct = try RawHTTPConnection.exchange(port: fixture.port, "GET /admin/secret HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(direct.status == 401)
            // A ';' in the query is not part of the path and is forwarded unchanged.
            let query = try RawHTTPConnection.exchange(port: fixture.port, "GET /open?a=1;b=2 HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(query.status == 200)
            #expect(query.json["uri"] as? String == "/open?a=1;b=2")
            #expect(fixture.upstream.headsSeen == ["/open?a=1;b=2"])
        }
    }
}
