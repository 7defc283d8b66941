import Foundation
import Testing

@Suite("Deny by default on protected routes", .serialized)
struct AuthGateTests {
    @Test("auth: required without a token is 401 unauthorized with a bare Bearer challenge")
    func missingToken() async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /private/x HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 401)
            #expect(response.json["error"] as? String == "unauthorized")
            #expect(response.header("www-authenticate") == "Bearer realm=\"tollgate\"")
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a token that cannot be verified is 401 invalid_token on required and optional routes")
    func unverifiableToken() async throws {
        try await GatewayFixture.run { fixture in
            for path in ["/private/x", "/optional/x"] {
                let response = try RawHTTPConnection.exchange(
                    port: fixture.port,
                    "GET \(path) HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n"
                )
                #expect(response.status == 401)
                #expect(response.json["error"] as? String == "invalid_token")
                #expect(response.header("www-authenticate")?.contains("error=\"invalid_token\"") == true)
                #expect(response.text.contains("abc.def.ghi") == false)
            }
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("auth: optional forwards a request without a token")
    func optionalWithoutToken() async throws {
        try await GatewayFixture.run { fixture in
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /optional/x HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 200)
        }
    }

    @Test("two Authorization headers, or an empty bearer token, are 400 invalid_request")
    func badAuthorization() async throws {
        try await GatewayFixture.run { fixture in
            let two = try RawHTTPConnection.exchange(
                port: fixture.port,
                "GET /private/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n"
            )
            #expect(two.status == 400)
            #expect(two.json["error"] as? String == "invalid_request")
            let empty = try RawHTTPConnection.exchange(port: fixture.port, "GET /private/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \r\n\r\n")
            #expect(empty.status == 400)
            #expect(fixture.upstream.received.isEmpty)
        }
    }
}
