import Foundation
import Testing

@Suite("TLS on the listener", .serialized)
struct ListenerTLSTests {
    /// A gateway serving `pair` on its listener in front of a cleartext upstream.
    static func run(_ pair: TestCertificates.Pair, _ body: (GatewayFixture) async throws -> Void) async throws {
        try await GatewayFixture.run(server: listenerTLS(certificate: pair.certificate, privateKey: pair.privateKey), body)
    }

    @Test("curl reaches the listener over TLS with an RSA and with an ECDSA certificate", arguments: ["rsa", "ecdsa"])
    func curlReachesListener(kind: String) async throws {
        let certificates = try TestCertificates.get()
        let pair = kind == "rsa" ? certificates.rsa : certificates.ecdsa
        try await Self.run(pair) { fixture in
            let result = try Curl.get(port: fixture.port, "/things?a=1", caFile: certificates.ca)
            #expect(result.exitStatus == 0, "curl failed:\n\(result.trace)")
            #expect(result.status == 200)
            #expect(result.json["uri"] as? String == "/things?a=1")
            #expect(result.trace.contains("subject: CN=\(pair.commonName)"))
            #expect(fixture.upstream.received.count == 1)
        }
    }

    @Test("ALPN: h2 when the client offers it (the same checks over h2), http/1.1 when it offers only that")
    func alpnPicksProtocol() async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.ecdsa) { fixture in
            let h2 = try Curl.get(port: fixture.port, "/alpn", caFile: certificates.ca)
            #expect(h2.trace.contains("ALPN: offers h2,http/1.1"))
            #expect(h2.trace.contains("ALPN: server accepted h2"), "\(h2.trace)")
            #expect(h2.status == 200)
            let refused = try Curl.get(port: fixture.port, "/private/x", caFile: certificates.ca)
            #expect(refused.status == 401)
            #expect(refused.body.contains("\"unauthorized\""))
            let h1 = try Curl.get(port: fixture.port, "/alpn", caFile: certificates.ca, extra: ["--http1.1"])
            #expect(h1.trace.contains("ALPN: server accepted http/1.1"), "\(h1.trace)")
            #expect(h1.status == 200)
            let proto = fixture.upstream.received.map { $0.headers(named: "x-forwarded-proto") }
            #expect(proto == [["https"], ["https"]])
        }
    }

    @Test("X-Forwarded-Proto: https reaches the upstream, a client's own value is replaced")
    func forwardedProto() async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.rsa) { fixture in
            let result = try Curl.get(port: fixture.port, "/p", caFile: certificates.ca, extra: ["-H", "X-Forwarded-Proto: http"])
            #expect(result.status == 200)
            let seen = try #require(fixture.upstream.received.first)
            #expect(seen.headers(named: "x-forwarded-proto") == ["https"])
        }
    }

    @Test("TLS 1.1 is refused with a protocol_version alert; TLS 1.2 and 1.3 are accepted")
    func oldProtocolsRefused() async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.rsa) { fixture in
            // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal seen is the gateway's.
            let old = try Self.sClient(port: fixture.port, ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"], ca: certificates.ca)
            #expect(old.status != 0)
            #expect(old.stdout.contains("no peer certificate available"))
            #expect(old.stderr.contains("alert protocol version"), "\(old.stderr)")
            for (flag, name) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
                let modern = try Self.sClient(port: fixture.port, [flag], ca: certificates.ca)
                #expect(modern.status == 0, "\(modern.stderr)")
                #expect(modern.stdout.contains("Protocol  : \(name)") || modern.stdout.contains("New, \(name)"), "\(modern.stdout)")
                #expect(modern.stdout.contains("Verify return code: 0 (ok)"))
            }
            let refused = try Curl.get(port: fixture.port, "/", caFile: certificates.ca, extra: ["--tlsv1.0", "--tls-max", "1.1"])
            #expect(refused.exitStatus != 0)
            #expect(refused.status == nil)
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    @Test("a client that connects and never starts a handshake is closed after header_timeout")
    func silentClientClosed() async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.rsa) { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            // header_timeout is 1s in the test config; 3x margin.
            #expect(connection.waitForClose(timeout: .seconds(3)))
        }
    }

    @Test("a cleartext HTTP request to the TLS listener is closed and reaches nothing")
    func cleartextRefused() async throws {
        let certificates = try TestCertificates.get()
        try await Self.run(certificates.rsa) { fixture in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(connection.waitForClose(timeout: .seconds(3)))
            #expect(fixture.upstream.received.isEmpty)
        }
    }

    static func sClient(port: Int, _ options: [String], ca: String) throws -> Command.Result {
        try Command.run(
            "/usr/bin/openssl",
            ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error"] + options,
            input: "", timeout: .seconds(15)
        )
    }
}
