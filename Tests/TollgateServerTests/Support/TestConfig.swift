/// Gateway configs for integration tests: loopback, port 0, one worker, short
/// intervals. Sections can be replaced per test.
enum TestConfig {
    static func yaml(
        upstreamPort: Int,
        targets: [String]? = nil,
        limits: String = "",
        upstreamOptions: String = "",
        server: String = "",
        routes: String? = nil,
        forward: String = "",
        sections: String = ""
    ) -> String {
        let targetList = (targets ?? ["127.0.0.1:\(upstreamPort)"]).joined(separator: ", ")
        let defaultLimits = keeping(["header_timeout: 1s", "request_timeout: 3s"], notIn: limits, indent: "  ")
        let defaultUpstream = keeping(["connect_timeout: 2s", "timeout: 15s"], notIn: upstreamOptions, indent: "    ")
        return """
            server:
              listen: 127.0.0.1:0
              workers: 1
              drain_timeout: 5s
            \(server)
            limits:
            \(defaultLimits)
            \(limits)
            upstreams:
              - name: app
                targets: [\(targetList)]
            \(defaultUpstream)
            \(upstreamOptions)
            \(forward)
            \(sections)
            routes:
            \(routes ?? defaultRoutes)
            """
    }

    /// Short defaults a test's own section may override key by key.
    private static func keeping(_ defaults: [String], notIn custom: String, indent: String) -> String {
        let customKeys = Set(custom.split(separator: "\n").map { $0.drop { $0 == " " }.prefix { $0 != ":" } })
        return defaults
            .filter { !customKeys.contains($0.prefix { $0 != ":" }) }
            .map { indent + $0 }
            .joined(separator: "\n")
    }

    static let defaultRoutes = """
          - path: /**
            upstream: app
            auth: none
          - path: /private/**
            upstream: app
          - path: /optional/**
            upstream: app
            auth: optional
          - path: /strip/**
            upstream: app
            auth: none
            strip_prefix: /strip
          - path: /only-get
            methods: [GET]
            upstream: app
            auth: none
        """
}

/// An upstream and a gateway in front of it, stopped together.
struct GatewayFixture {
    let upstream: TestUpstream
    let gateway: GatewayProcess

    static func start(
        targets: [String]? = nil,
        limits: String = "",
        upstreamOptions: String = "",
        server: String = "",
        routes: String? = nil,
        forward: String = "",
        sections: String = ""
    ) async throws -> GatewayFixture {
        let upstream = try await TestUpstream.start()
        let config = TestConfig.yaml(
            upstreamPort: upstream.port,
            targets: targets,
            limits: limits,
            upstreamOptions: upstreamOptions,
            server: server,
            routes: routes,
            forward: forward,
            sections: sections
        )
        do {
            return GatewayFixture(upstream: upstream, gateway: try GatewayProcess.start(config: config))
        } catch {
            await upstream.stop()
            throw error
        }
    }

    /// Starts a fixture, runs `body`, and stops both processes whatever happens.
    static func run(
        targets: [String]? = nil,
        limits: String = "",
        upstreamOptions: String = "",
        server: String = "",
        routes: String? = nil,
        forward: String = "",
        sections: String = "",
        _ body: (GatewayFixture) async throws -> Void
    ) async throws {
        let fixture = try await start(
            targets: targets, limits: limits, upstreamOptions: upstreamOptions, server: server, routes: routes, forward: forward, sections: sections
        )
        try await stopping(fixture, after: body) { await $0.stop() }
    }

    var port: Int { gateway.port }

    func stop() async {
        gateway.stop()
        await upstream.stop()
    }
}

/// Starts a gateway on `config` in front of an upstream a test already
/// started, runs `body`, and stops both whatever happens (the upstream also
/// when the gateway does not start).
func runGateway<Upstream>(
    config: String,
    in upstream: Upstream,
    stopUpstream: (Upstream) async -> Void,
    _ body: (Upstream, GatewayProcess) async throws -> Void
) async throws {
    let gateway: GatewayProcess
    do {
        gateway = try GatewayProcess.start(config: config)
    } catch {
        await stopUpstream(upstream)
        throw error
    }
    try await stopping((upstream, gateway), after: body) { pair in
        pair.1.stop()
        await stopUpstream(pair.0)
    }
}

/// Runs `body` with `fixture`, then stops the fixture whether `body` threw or not.
func stopping<Fixture>(
    _ fixture: Fixture,
    after body: (Fixture) async throws -> Void,
    stop: (Fixture) async -> Void
) async throws {
    do {
        try await body(fixture)
    } catch {
        await stop(fixture)
        throw error
    }
    await stop(fixture)
}
