import Foundation
import Testing
import TollgateCore

/// DPoP through the real gateway (memory replay store): a fresh proof is
/// admitted, a replayed one and a bound token sent as Bearer are refused, and
/// nothing of a refused request reaches the upstream.
@Suite("DPoP through the real gateway", .serialized)
struct DPoPGatewayTests {
    static let issuer = TestIssuer.shared
    static let client = try! SigningKey.generate(.ec(.p256))
    static let url = "http://api.test/api/orders"

    static let sections = "issuers:\n\(issuer.yaml)\n"
    static let routes = """
          - path: /api/orders
            upstream: app
            scopes: [orders:read]
        """

    static func run(_ body: (GatewayFixture) async throws -> Void) async throws {
        try await GatewayFixture.run(routes: routes, sections: sections, body)
    }

    static func boundToken() throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims = DevelopmentToken.claims(
            issuer: issuer.issuer, audience: issuer.audience, subject: "alice", scope: "orders:read",
            issuedAt: now - 10, lifetimeSeconds: 600, tokenID: UUID().uuidString,
            confirmation: TokenConfirmation(jwkThumbprint: client.jwkThumbprint)
        )
        return try issuer.key.jwt(claims: claims)
    }

    static func proof(_ token: String, key: SigningKey = client) throws -> String {
        try key.dpopProof(method: "GET", url: url, accessToken: token, issuedAt: Int64(Date().timeIntervalSince1970), jti: UUID().uuidString)
    }

    static func get(_ port: Int, scheme: String = "DPoP", token: String, proofs: [String]) throws -> RawResponse {
        let dpop = proofs.map { "DPoP: \($0)\r\n" }.joined()
        return try RawHTTPConnection.exchange(port: port, "GET /api/orders?page=1 HTTP/1.1\r\nHost: api.test\r\nAuthorization: \(scheme) \(token)\r\n\(dpop)\r\n")
    }

    @Test("a fresh proof is admitted (twice with two proofs); the same proof again is 401 invalid_dpop_proof and never reaches the upstream")
    func admittedThenReplayed() async throws {
        try await Self.run { fixture in
            let token = try Self.boundToken()
            let proof = try Self.proof(token)
            #expect(try Self.get(fixture.port, token: token, proofs: [proof]).status == 200)
            #expect(try Self.get(fixture.port, token: token, proofs: [try Self.proof(token)]).status == 200)
            #expect(fixture.upstream.received.count == 2)
            let replay = try Self.get(fixture.port, token: token, proofs: [proof])
            #expect(replay.status == 401)
            #expect(replay.json["error"] as? String == "invalid_dpop_proof")
            #expect(replay.header("www-authenticate")?.hasPrefix(#"DPoP algs="ES256 ES384 EdDSA RS256 PS256", error="invalid_dpop_proof""#) == true)
            #expect(fixture.upstream.received.count == 2)
        }
    }

    @Test("a bound token with the Bearer scheme, a proof by another key, two DPoP headers: refused, nothing forwarded")
    func refusals() async throws {
        try await Self.run { fixture in
            let token = try Self.boundToken()
            let bearer = try Self.get(fixture.port, scheme: "Bearer", token: token, proofs: [try Self.proof(token)])
            #expect(bearer.status == 401)
            #expect(bearer.json["error"] as? String == "invalid_token")
            let other = try Self.get(fixture.port, token: token, proofs: [try Self.proof(token, key: try SigningKey.generate(.ec(.p256)))])
            #expect(other.status == 401)
            #expect(other.json["error"] as? String == "invalid_dpop_proof")
            let two = try Self.get(fixture.port, token: token, proofs: [try Self.proof(token), try Self.proof(token)])
            #expect(two.status == 400)
            #expect(two.json["error"] as? String == "invalid_request")
            #expect(fixture.upstream.received.isEmpty)
        }
    }
}
