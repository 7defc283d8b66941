import Foundation
import Testing

@Suite("The listener's certificate on reload (SIGHUP)", .serialized)
struct CertificateReloadTests {
    /// A gateway whose listener serves `cert.pem`/`key.pem` of a fresh directory, first holding `initial`.
    static func run(_ initial: TestCertificates.Pair, _ body: (GatewayFixture, URL) async throws -> Void) async throws {
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        try install(initial, in: files)
        let server = listenerTLS(
            certificate: files.appendingPathComponent("cert.pem").path,
            privateKey: files.appendingPathComponent("key.pem").path
        )
        try await GatewayFixture.run(server: server) { try await body($0, files) }
    }

    static func install(_ pair: TestCertificates.Pair, in files: URL) throws {
        try write(String(contentsOfFile: pair.certificate, encoding: .utf8), to: files.appendingPathComponent("cert.pem"))
        try write(String(contentsOfFile: pair.privateKey, encoding: .utf8), to: files.appendingPathComponent("key.pem"))
    }

    static func write(_ text: String, to url: URL) throws {
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// The common name of the certificate a new handshake sees.
    static func servedName(_ fixture: GatewayFixture, ca: String) throws -> String? {
        let result = try Curl.get(port: fixture.port, "/who", caFile: ca)
        guard result.status == 200 else { return nil }
        let line = result.trace.split(separator: "\n").first { $0.contains("subject: CN=") }
        return line.map { String($0[$0.range(of: "CN=")!.upperBound...]) }
    }

    @Test("after the files are rewritten and SIGHUP, new handshakes see the new certificate")
    func reloadReplacesCertificate() async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.rsa) { fixture, files in
            #expect(try Self.servedName(fixture, ca: certificates.ca) == certificates.rsa.commonName)
            try Self.install(certificates.ecdsa, in: files)
            fixture.gateway.signal(SIGHUP)
            try await fixture.gateway.waitForLog("configuration reloaded")
            #expect(try Self.servedName(fixture, ca: certificates.ca) == certificates.ecdsa.commonName)
        }
    }

    @Test("a reload whose certificate is broken or whose key does not fit is refused, naming the file; the old certificate stays",
          arguments: ["garbage certificate", "missing key", "mismatched key"])
    func brokenReloadKeepsCertificate(kind: String) async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.rsa) { fixture, files in
            let certificate = files.appendingPathComponent("cert.pem")
            let key = files.appendingPathComponent("key.pem")
            let expected: String
            switch kind {
            case "garbage certificate":
                try Self.write("not a certificate\n", to: certificate)
                expected = "server.tls.certificate: cannot use '\(certificate.path)': it holds no PEM certificate"
            case "missing key":
                try FileManager.default.removeItem(at: key)
                expected = "server.tls.private_key: file '\(key.path)' does not exist"
            default:
                try Self.write(String(contentsOfFile: certificates.ecdsa.certificate, encoding: .utf8), to: certificate)
                expected = "server.tls.private_key: cannot use '\(key.path)': it does not fit the certificate"
            }
            fixture.gateway.signal(SIGHUP)
            try await fixture.gateway.waitForLog("configuration not reloaded")
            #expect(fixture.gateway.stderr.contains(expected), "\(fixture.gateway.stderr)")
            #expect(try Self.servedName(fixture, ca: certificates.ca) == certificates.rsa.commonName)
        }
    }

    @Test("a reload cannot add server.tls to a cleartext listener: refused, it keeps serving cleartext")
    func reloadCannotAddTLS() async throws {
        let certificates = try TestCertificates.get()
        try await GatewayFixture.run { fixture in
            let configURL = fixture.gateway.directory.appendingPathComponent("tollgate.yaml")
            let config = try String(contentsOf: configURL, encoding: .utf8)
            let withTLS = config.replacingOccurrences(
                of: "  workers: 1\n",
                with: "  workers: 1\n" + listenerTLS(certificate: certificates.rsa.certificate, privateKey: certificates.rsa.privateKey) + "\n"
            )
            #expect(withTLS != config)
            try Self.write(withTLS, to: configURL)
            fixture.gateway.signal(SIGHUP)
            try await fixture.gateway.waitForLog("configuration not reloaded")
            #expect(fixture.gateway.stderr.contains("server.tls was added; the listeners serve cleartext until the gateway is restarted"))
            let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 200)
        }
    }
}
