import Foundation
import NIOSSL
import Testing

@Suite("TLS and mutual TLS to https:// upstreams", .serialized)
struct UpstreamTLSTests {
    /// An HTTPS upstream presenting `pair` and a cleartext gateway in front of
    /// it at `https://host:port`; `options` are the upstream's extra settings.
    static func run(
        presenting pair: TestCertificates.Pair,
        requireClientCertificate: Bool = false,
        host: String = "127.0.0.1",
        options: (TestCertificates) -> String = { "    ca_file: \($0.ca)" },
        _ body: (TestUpstream, GatewayProcess) async throws -> Void
    ) async throws {
        let certificates = try TestCertificates.get()
        let upstream = try await TestUpstream.start(
            tls: certificates.serverContext(pair, requireClientCertificate: requireClientCertificate)
        )
        let config = TestConfig.yaml(
            upstreamPort: upstream.port,
            targets: ["https://\(host):\(upstream.port)"],
            upstreamOptions: options(certificates)
        )
        try await runGateway(config: config, in: upstream, stopUpstream: { await $0.stop() }, body)
    }

    static func get(_ gateway: GatewayProcess, _ path: String = "/x") throws -> RawResponse {
        try RawHTTPConnection.exchange(port: gateway.port, "GET \(path) HTTP/1.1\r\nHost: api.test\r\n\r\n")
    }

    @Test("an upstream whose certificate chains to ca_file is reached, and its TLS connection is pooled")
    func trustedUpstream() async throws {
        try await Self.run(presenting: TestCertificates.get().rsa) { upstream, gateway in
            let connection = try RawHTTPConnection(port: gateway.port)
            for index in 0..<5 {
                try connection.send("GET /n/\(index) HTTP/1.1\r\nHost: api.test\r\n\r\n")
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.json["uri"] as? String == "/n/\(index)")
            }
            #expect(upstream.received.count == 5)
            #expect(upstream.connectionCount == 1)
            #expect(upstream.tlsHandshakeCount == 1)
        }
    }

    @Test("the target's host name is sent as SNI and verified: https://localhost reaches a certificate for localhost")
    func hostNameTarget() async throws {
        try await Self.run(presenting: TestCertificates.get().ecdsa, host: "localhost") { upstream, gateway in
            let response = try Self.get(gateway)
            #expect(response.status == 200)
            #expect(upstream.tlsHandshakeCount == 1)
        }
    }

    @Test(
        "an upstream certificate that does not verify is a 502 bad_gateway saying TLS failed, after one attempt",
        arguments: ["expired", "untrusted", "wrong name", "no ca_file"]
    )
    func unverifiedUpstream(kind: String) async throws {
        let certificates = try TestCertificates.get()
        let pair = switch kind {
        case "expired": certificates.expired
        case "untrusted": certificates.untrusted
        case "wrong name": certificates.wrongName
        default: certificates.rsa
        }
        let options: (TestCertificates) -> String = kind == "no ca_file" ? { _ in "" } : { "    ca_file: \($0.ca)" }
        try await Self.run(presenting: pair, options: options) { upstream, gateway in
            let response = try Self.get(gateway)
            #expect(response.status == 502)
            #expect(response.json["error"] as? String == "bad_gateway")
            let description = response.json["error_description"] as? String ?? ""
            #expect(description.hasPrefix("TLS with upstream https://127.0.0.1:\(upstream.port) failed"), "\(description)")
            #expect(description.hasSuffix(Self.reasons[kind] ?? ""), "\(description)")
            #expect(upstream.received.isEmpty)
            // The name is checked once the handshake is done, so the upstream may have seen that one complete.
            if kind != "wrong name" { #expect(upstream.tlsHandshakeCount == 0) }
            // One connection attempt for the request, no retry.
            #expect(upstream.connectionCount == 1)
        }
    }

    static let reasons = [
        "expired": "its certificate did not verify (expired, not yet valid, or not issued by a trusted CA)",
        "untrusted": "its certificate did not verify (expired, not yet valid, or not issued by a trusted CA)",
        "no ca_file": "its certificate did not verify (expired, not yet valid, or not issued by a trusted CA)",
        "wrong name": "its certificate is not valid for 127.0.0.1",
    ]

    @Test("mutual TLS: the upstream accepts the gateway's client certificate")
    func mutualTLSAccepted() async throws {
        try await Self.run(
            presenting: TestCertificates.get().rsa,
            requireClientCertificate: true,
            options: { "    ca_file: \($0.ca)\n    client_certificate: \($0.client.certificate)\n    client_private_key: \($0.client.privateKey)" }
        ) { upstream, gateway in
            let statuses = try (0..<2).map { _ in try Self.get(gateway).status }
            #expect(statuses == [200, 200])
            #expect(upstream.received.count == 2)
            #expect(upstream.tlsHandshakeCount == 1)
        }
    }

    @Test("mutual TLS: without a client certificate the upstream refuses the handshake, 502")
    func mutualTLSRefused() async throws {
        try await Self.run(presenting: TestCertificates.get().rsa, requireClientCertificate: true) { upstream, gateway in
            let response = try Self.get(gateway)
            #expect(response.status == 502)
            let description = response.json["error_description"] as? String ?? ""
            #expect(description.hasPrefix("TLS with upstream https://127.0.0.1:\(upstream.port) failed"), "\(description)")
            #expect(description.contains("CERTIFICATE_REQUIRED"), "\(description)")
            #expect(upstream.received.isEmpty)
        }
    }

    @Test("mutual TLS: a client certificate from another CA is refused, 502")
    func mutualTLSWrongClient() async throws {
        try await Self.run(
            presenting: TestCertificates.get().rsa,
            requireClientCertificate: true,
            options: { "    ca_file: \($0.ca)\n    client_certificate: \($0.untrusted.certificate)\n    client_private_key: \($0.untrusted.privateKey)" }
        ) { upstream, gateway in
            let response = try Self.get(gateway)
            #expect(response.status == 502)
            #expect(upstream.received.isEmpty)
        }
    }

    @Test("an upstream that accepts TCP but never answers the handshake is a 502 within connect_timeout")
    func stalledHandshake() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let certificates = try TestCertificates.get()
        let config = TestConfig.yaml(
            upstreamPort: listener.port,
            targets: ["https://127.0.0.1:\(listener.port)"],
            upstreamOptions: "    ca_file: \(certificates.ca)\n    connect_timeout: 500ms"
        )
        let gateway = try GatewayProcess.start(config: config)
        defer { gateway.stop() }
        let start = ContinuousClock.now
        let response = try Self.get(gateway)
        #expect(ContinuousClock.now - start < .milliseconds(1500))
        #expect(response.status == 502)
        let description = response.json["error_description"] as? String ?? ""
        #expect(description.contains("no TLS handshake within 500ms"), "\(description)")
    }
}

/// A TCP listener on 127.0.0.1 whose kernel backlog accepts connections that
/// nobody ever reads: a peer that never answers a TLS ClientHello.
final class SilentListener {
    private let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw GatewayTestError("cannot listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(fd)
    }
}
