import Foundation
import Testing
import TollgateCore

@Suite("An issuer's ca_file for JWKS fetched over HTTPS", .serialized)
struct IssuerCAFileTests {
    static func issuer(_ auth: TestAuthServer, caFile: String?) -> String {
        """
        issuers:
          - name: remote
            issuer: \(auth.issuer)
            audiences: [api]
            jwks_uri: \(auth.base)/jwks
            jwks_refresh: 10m
            jwks_refetch_cooldown: 1s
        \(caFile.map { "    ca_file: \($0)" } ?? "")
        """
    }

    @Test("a loopback HTTPS JWKS server with a certificate from the test CA: trusted through ca_file, its keys verify tokens")
    func trustedThroughCAFile() async throws {
        let certificates = try TestCertificates.get()
        let key = try SigningKey.generate(.ec(.p256), keyID: "k1")
        try await AuthFixture.run(
            issuers: { Self.issuer($0, caFile: certificates.ca) },
            prepare: { $0.serve(keys: [key]) },
            authTLS: certificates.serverContext(certificates.rsa)
        ) { fixture in
            #expect(fixture.auth.base.hasPrefix("https://"))
            try await fixture.waitUntilReady()
            let response = try fixture.get("/private/x", token: fixture.auth.token(key))
            #expect(response.status == 200)
            #expect(fixture.auth.jwksRequests >= 1)
        }
    }

    @Test("without ca_file the test CA is not trusted: no keys, 503 before first keys, and the log says the certificate failed")
    func untrustedWithoutCAFile() async throws {
        let certificates = try TestCertificates.get()
        let key = try SigningKey.generate(.ec(.p256), keyID: "k1")
        try await AuthFixture.run(
            issuers: { Self.issuer($0, caFile: nil) },
            prepare: { $0.serve(keys: [key]) },
            authTLS: certificates.serverContext(certificates.rsa)
        ) { fixture in
            try await fixture.gateway.waitForLog("issuer 'remote': cannot fetch keys")
            #expect(try fixture.readyStatus() == 503)
            let response = try fixture.get("/private/x", token: fixture.auth.token(key))
            #expect(response.status == 503)
            #expect(fixture.auth.jwksRequests == 0)
            #expect(fixture.gateway.stderr.contains("CERTIFICATE_VERIFY_FAILED"), "\(fixture.gateway.stderr)")
        }
    }

    @Test("a ca_file that is not a certificate keeps the gateway from starting, naming the issuer and the file")
    func brokenCAFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-ca-\(UUID().uuidString).pem")
        try "not a certificate\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await stopping(try await TestUpstream.start(), after: { upstream in
            let config = TestConfig.yaml(
                upstreamPort: upstream.port,
                sections: """
                    issuers:
                      - name: remote
                        issuer: https://issuer.test
                        audiences: [api]
                        jwks_uri: https://127.0.0.1:1/jwks
                        ca_file: \(file.path)
                    """
            )
            #expect {
                try GatewayProcess.start(config: config, timeout: .seconds(15))
            } throws: { error in
                "\(error)".contains("issuer 'remote' ca_file: cannot use '\(file.path)': it holds no PEM certificate")
            }
        }, stop: { await $0.stop() })
    }
}
