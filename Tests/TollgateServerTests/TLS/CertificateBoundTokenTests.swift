import Foundation
import Testing
import TollgateCore

/// RFC 8705 §3 through the real gateway: the TLS listener asks for a client
/// certificate (`server.tls.client_ca`) and a token carrying `cnf.x5t#S256` is
/// admitted only on a connection that presented that certificate.
@Suite("Certificate-bound tokens (RFC 8705)", .serialized)
struct CertificateBoundTokenTests {
    static let issuer = TestIssuer.shared

    static func run(_ body: (GatewayFixture, TestCertificates) async throws -> Void) async throws {
        let certificates = try TestCertificates.get()
        let server = listenerTLS(certificate: certificates.rsa.certificate, privateKey: certificates.rsa.privateKey)
            + "\n    client_ca: \(certificates.ca)"
        let routes = """
              - path: /private/**
                upstream: app
            """
        try await GatewayFixture.run(server: server, routes: routes, sections: "issuers:\n\(issuer.yaml)") {
            try await body($0, certificates)
        }
    }

    /// A token bound to the certificate in `pem`.
    static func token(boundTo pem: String) throws -> String {
        let text = try String(contentsOfFile: pem, encoding: .utf8)
        let base64 = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: base64))
        let now = Int64(Date().timeIntervalSince1970)
        let claims = DevelopmentToken.claims(
            issuer: issuer.issuer, audience: issuer.audience, subject: "user-1", scope: "", issuedAt: now - 60,
            lifetimeSeconds: 360, tokenID: UUID().uuidString,
            confirmation: TokenConfirmation(certificateThumbprint: CertificateThumbprint.sha256(der: Array(der)))
        )
        return try issuer.key.jwt(claims: claims)
    }

    @Test("the bound certificate is admitted over HTTP/1.1 and HTTP/2; none, or another binding, is refused", arguments: ["--http1.1", "--http2"])
    func boundToken(protocolFlag: String) async throws {
        try await Self.run { fixture, certificates in
            let token = try Self.token(boundTo: certificates.client.certificate)
            let clientCertificate = ["--cert", certificates.client.certificate, "--key", certificates.client.privateKey]
            let bearer = ["-H", "Authorization: Bearer \(token)"]

            let admitted = try Curl.get(port: fixture.port, "/private/x", caFile: certificates.ca, extra: [protocolFlag] + clientCertificate + bearer)
            #expect(admitted.status == 200, "\(admitted.trace)")

            let without = try Curl.get(port: fixture.port, "/private/x", caFile: certificates.ca, extra: [protocolFlag] + bearer)
            #expect(without.status == 401)
            #expect(without.body.contains("client certificate"))

            let otherBinding = try Self.token(boundTo: certificates.untrusted.certificate)
            let mismatch = try Curl.get(
                port: fixture.port, "/private/x", caFile: certificates.ca,
                extra: [protocolFlag] + clientCertificate + ["-H", "Authorization: Bearer \(otherBinding)"]
            )
            #expect(mismatch.status == 401)
            #expect(mismatch.json["error"] as? String == "invalid_token")
            #expect(fixture.upstream.received.count == 1, "only the admitted request reaches the upstream")
        }
    }

    @Test("a certificate from another CA fails the handshake; an unbound token needs none")
    func untrustedCertificate() async throws {
        try await Self.run { fixture, certificates in
            let untrusted = try Curl.get(
                port: fixture.port, "/private/x", caFile: certificates.ca,
                extra: ["--cert", certificates.untrusted.certificate, "--key", certificates.untrusted.privateKey]
            )
            #expect(untrusted.status == nil)
            #expect(untrusted.exitStatus != 0)
            let plain = try Self.issuer.token(scope: "")
            let unbound = try Curl.get(port: fixture.port, "/private/x", caFile: certificates.ca, extra: ["-H", "Authorization: Bearer \(plain)"])
            #expect(unbound.status == 200)
        }
    }
}
