import Foundation
import NIOSSL
import TollgateCore

/// A gateway with an admin listener in front of a `TestUpstream`, trusting a
/// `TestAuthServer` through the issuers section a test writes; stopped together.
struct AuthFixture {
    let auth: TestAuthServer
    let upstream: TestUpstream
    let gateway: GatewayProcess

    static func run(
        issuers: (TestAuthServer) -> String,
        routes: String? = nil,
        forward: String = "",
        environment: [String: String] = [:],
        prepare: (TestAuthServer) -> Void = { _ in },
        authTLS: NIOSSLContext? = nil,
        _ body: (AuthFixture) async throws -> Void
    ) async throws {
        let auth = try await TestAuthServer.start(tls: authTLS)
        prepare(auth)
        let upstream = try await TestUpstream.start()
        let config = TestConfig.yaml(
            upstreamPort: upstream.port,
            server: "  admin: 127.0.0.1:0",
            routes: routes,
            forward: forward,
            sections: issuers(auth)
        )
        let gateway: GatewayProcess
        do {
            gateway = try GatewayProcess.start(config: config, environment: environment)
        } catch {
            await upstream.stop()
            await auth.stop()
            throw error
        }
        let fixture = AuthFixture(auth: auth, upstream: upstream, gateway: gateway)
        try await stopping(fixture, after: body) { await $0.stop() }
    }

    var port: Int { gateway.port }

    func stop() async {
        gateway.stop()
        await upstream.stop()
        await auth.stop()
    }

    /// `GET path` with a bearer token, on a fresh connection.
    func get(_ path: String, token: String) throws -> RawResponse {
        try RawHTTPConnection.exchange(port: port, "GET \(path) HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n\r\n")
    }

    func readyStatus() throws -> Int {
        try RawHTTPConnection.exchange(port: adminPort(), "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n").status
    }

    /// The admin listener's port; its ready line may follow the public listener's by a moment.
    private func adminPort() throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = gateway.adminPort ?? Self.port(after: "admin listener on ", in: gateway.stderr) { return port }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw GatewayTestError("no admin listener; stderr:\n\(gateway.stderr)")
    }

    private static func port(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let digits = text[range.upperBound...].drop { $0 != ":" }.dropFirst().prefix { $0.isNumber }
        return Int(digits)
    }

    /// Polls `/readyz` until it answers 200 (at most `timeout`).
    func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        try await poll(timeout: timeout, "/readyz to answer 200") { try readyStatus() == 200 }
    }

    /// Polls `condition` every 50 ms until it holds (at most `timeout`).
    func poll(timeout: Duration = .seconds(10), _ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw GatewayTestError("timed out waiting for \(what); stderr:\n\(gateway.stderr)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
