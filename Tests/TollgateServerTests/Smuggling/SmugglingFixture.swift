import Foundation
import Testing

/// The real gateway in front of a `RecordingUpstream`, with two routes:
/// `/public/**` (`auth: none`) and `/admin/**`, which needs a scope no test
/// token has. A request for `/admin` that reaches the upstream is a smuggle.
struct SmugglingFixture {
    let upstream: RecordingUpstream
    let gateway: GatewayProcess

    var port: Int { gateway.port }

    static let routes = """
          - path: /public/**
            upstream: app
            auth: none
          - path: /admin/**
            upstream: app
            scopes: [never:granted]
        """

    static let sections = """
        issuers:
        \(TestIssuer.shared.yaml)
        """

    /// Starts both, runs `body`, stops both. `poolSize` caps the gateway's
    /// upstream connections (1: every request shares one pooled connection).
    static func run(
        poolSize: Int? = nil,
        limits: String = "",
        onConnect: RecordingUpstream.Reply? = nil,
        script: @escaping RecordingUpstream.Script = { .naming($0.uri) },
        _ body: (SmugglingFixture) async throws -> Void
    ) async throws {
        let upstream = try await RecordingUpstream.start(onConnect: onConnect, script: script)
        let config = TestConfig.yaml(
            upstreamPort: upstream.port,
            limits: limits,
            upstreamOptions: poolSize.map { "    max_connections: \($0)" } ?? "",
            routes: routes,
            sections: sections
        )
        try await runGateway(config: config, in: upstream, stopUpstream: { await $0.stop() }) { upstream, gateway in
            try await body(SmugglingFixture(upstream: upstream, gateway: gateway))
        }
    }

    /// The upstream received exactly `expected`, as whole requests both
    /// reference parsers agree on, and never a request for `/admin` (whole
    /// or cut off). Waits a moment first: a smuggled request would arrive
    /// after the answer.
    func expectForwarded(
        _ expected: [UpstreamTranscript.Request],
        _ comment: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await Task.sleep(for: .milliseconds(150))
        let transcript = upstream.transcript()
        switch transcript.agreedRequests() {
        case .success(let (requests, cutOff)):
            #expect(!requests.contains { $0.target.hasPrefix("/admin") }, "\(comment): /admin reached the upstream: \(requests)", sourceLocation: sourceLocation)
            #expect(requests == expected, "\(comment)", sourceLocation: sourceLocation)
            #expect(cutOff.isEmpty, "\(comment): requests cut off: \(cutOff)", sourceLocation: sourceLocation)
        case .failure(let problem):
            Issue.record("\(comment): \(problem)", sourceLocation: sourceLocation)
        }
        #expect(upstream.decoderErrors.isEmpty, "\(comment): \(upstream.decoderErrors)", sourceLocation: sourceLocation)
    }
}

extension UpstreamTranscript.Request {
    static func get(_ target: String) -> Self { .init(method: "GET", target: target, bodyBytes: 0) }
    static func post(_ target: String, _ bodyBytes: Int) -> Self { .init(method: "POST", target: target, bodyBytes: bodyBytes) }
}
