import Foundation
import Testing
import TollgateCore
import TollgateServer

@Suite("TLS files read by check, start and reload")
struct TLSFileCheckTests {
    /// A config naming TLS files: the listener's, one https upstream's and one issuer's CA.
    static func yaml(certificate: String, key: String, upstreamCA: String, clientCertificate: String, clientKey: String, issuerCA: String) -> String {
        """
        server:
          listen: 127.0.0.1:0
          tls:
            certificate: \(certificate)
            private_key: \(key)
        issuers:
          - name: eu
            issuer: https://issuer.test
            audiences: [api]
            jwks_uri: https://127.0.0.1:1/jwks
            ca_file: \(issuerCA)
        upstreams:
          - name: app
            targets: [https://127.0.0.1:9443]
            ca_file: \(upstreamCA)
            client_certificate: \(clientCertificate)
            client_private_key: \(clientKey)
        routes:
          - path: /**
            upstream: app
            auth: none
        """
    }

    static func problems(_ yaml: String) throws -> [TLSFileError] {
        let loaded = try ConfigLoader.load(yaml: yaml, file: "t.yaml", fileExists: { FileManager.default.fileExists(atPath: $0) })
        return TLSFileCheck.problems(in: loaded.config)
    }

    /// A temporary file holding `text` (small; left to the system's temporary-file cleanup).
    static func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-pem-\(UUID().uuidString).pem")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("usable files: no problems")
    func goodFiles() throws {
        let c = try TestCertificates.get()
        let problems = try Self.problems(Self.yaml(
            certificate: c.rsa.certificate, key: c.rsa.privateKey, upstreamCA: c.ca,
            clientCertificate: c.client.certificate, clientKey: c.client.privateKey, issuerCA: c.ca
        ))
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("every unusable file is reported with its setting, its path and the line of the setting")
    func everyProblem() throws {
        let c = try TestCertificates.get()
        let garbage = try Self.file("hello\n")
        let truncated = try Self.file("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        let problems = try Self.problems(Self.yaml(
            certificate: c.ecdsa.certificate, key: c.rsa.privateKey, upstreamCA: truncated,
            clientCertificate: c.client.certificate, clientKey: garbage, issuerCA: c.rsa.privateKey
        ))
        let texts = problems.map(\.description)
        #expect(problems.count == 3, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("server.tls.private_key: cannot use '\(c.rsa.privateKey)': it does not fit the certificate") })
        #expect(texts.contains("issuer 'eu' ca_file: cannot use '\(c.rsa.privateKey)': it holds no PEM certificate (BEGIN CERTIFICATE)"))
        #expect(texts.contains { $0.hasPrefix("upstream 'app' ca_file: cannot use '\(truncated)': a PEM certificate in it does not parse") })
        #expect(problems.map(\.location.line) == [5, 11, 15])
        #expect(problems.first?.diagnostic(file: "t.yaml").description.hasPrefix("t.yaml:5:") == true)
    }

    @Test("a client key that is not a key, and a directory instead of a file")
    func keyAndDirectory() throws {
        let c = try TestCertificates.get()
        let garbage = try Self.file("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        let problems = try Self.problems(Self.yaml(
            certificate: c.rsa.certificate, key: c.rsa.privateKey, upstreamCA: c.ca,
            clientCertificate: c.client.certificate, clientKey: garbage, issuerCA: c.directory.path
        ))
        let texts = problems.map(\.description)
        #expect(texts.contains("upstream 'app' client_private_key: cannot use '\(garbage)': it holds no usable PEM private key (an unencrypted RSA or EC key is expected)"), "\(texts)")
        #expect(texts.contains("issuer 'eu' ca_file: cannot use '\(c.directory.path)': it is a directory"), "\(texts)")
    }

    @Test("tollgate check prints unusable TLS files as PATH:LINE:COLUMN lines and exits 1")
    func checkCommand() throws {
        let c = try TestCertificates.get()
        let garbage = try Self.file("hello\n")
        let config = try Self.file(Self.yaml(
            certificate: garbage, key: c.rsa.privateKey, upstreamCA: c.ca,
            clientCertificate: c.client.certificate, clientKey: c.client.privateKey, issuerCA: c.ca
        ))
        let result = try Command.run(TollgateBinary.url.path, ["check", "--config", config])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(config):4:18: server.tls.certificate: cannot use '\(garbage)': it holds no PEM certificate"), "\(result.stdout)")
        #expect(!result.stdout.contains("\nok\n"))

        let good = try Self.file(Self.yaml(
            certificate: c.rsa.certificate, key: c.rsa.privateKey, upstreamCA: c.ca,
            clientCertificate: c.client.certificate, clientKey: c.client.privateKey, issuerCA: c.ca
        ))
        let accepted = try Command.run(TollgateBinary.url.path, ["check", "--config", good])
        #expect(accepted.status == 0, "\(accepted.stdout)")
        #expect(accepted.stdout.hasSuffix("ok\n"))
    }
}
