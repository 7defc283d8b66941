import Foundation

/// One HTTPS exchange made with the curl CLI: what came back and curl's
/// verbose trace of the handshake (ALPN choice, the server certificate's subject).
struct CurlResult {
    var exitStatus: Int32
    var status: Int?
    var body: String
    var trace: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// The headers the upstream's echo says it received.
    func upstreamHeader(_ name: String) -> String? {
        let pairs = json["headers"] as? [[String]] ?? []
        return pairs.first { $0.first?.lowercased() == name.lowercased() }?.last
    }
}

enum Curl {
    /// `GET https://127.0.0.1:port path`, trusting `caFile`; `extra` adds curl options.
    static func get(port: Int, _ path: String, caFile: String, extra: [String] = []) throws -> CurlResult {
        let arguments = ["-sS", "-v", "--max-time", "10", "--cacert", caFile, "-w", "\n%{http_code}"]
            + extra + ["https://127.0.0.1:\(port)\(path)"]
        let result = try Command.run("/usr/bin/curl", arguments, timeout: .seconds(20))
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let code = lines.popLast().flatMap { Int($0) }
        return CurlResult(
            exitStatus: result.status,
            status: code == 0 ? nil : code,
            body: lines.joined(separator: "\n"),
            trace: result.stderr
        )
    }
}

extension GatewayProcess {
    /// Waits until the gateway has logged `text` at least `count` times (at most `timeout`).
    func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while stderr.components(separatedBy: text).count - 1 < count {
            guard ContinuousClock.now < deadline else {
                throw GatewayTestError("the gateway did not log '\(text)' \(count) time(s); stderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A `server.tls` section for `TestConfig.yaml(server:)`.
func listenerTLS(certificate: String, privateKey: String) -> String {
    """
      tls:
        certificate: \(certificate)
        private_key: \(privateKey)
    """
}
