import ArgumentParser
import Logging
import NIOPosix
import TollgateCore
import TollgateServer

/// `tollgate demo`: the gateway in front of an embedded echo upstream, on an
/// embedded config, with ready-to-paste curl lines. Needs no files.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway on a built-in config in front of an echo upstream."
    )

    @Option(name: .long, help: "The port the gateway listens on (127.0.0.1); 0 picks a free one.")
    var port: Int = 8080

    func run() async throws {
        let logger = Log.bootstrap()
        let echoGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let echo = try await EchoUpstream.start(host: "127.0.0.1", port: 0, group: echoGroup)
        let echoPort = echo.localAddress?.port ?? 0
        let yaml = DemoConfig.yaml(listenPort: port, upstreamPort: echoPort)
        let loaded = try ConfigLoader.load(yaml: yaml, file: "<demo>", fileExists: { _ in true })
        let snapshot = try GatewaySnapshot(config: loaded.config)
        try await Gateway.run(
            snapshot: snapshot,
            logger: logger,
            afterStart: { listener in print(DemoConfig.instructions(base: "http://\(listener)")) },
            reload: { snapshot }
        )
    }
}

/// The demo's embedded configuration and what it prints.
enum DemoConfig {
    static func yaml(listenPort: Int, upstreamPort: Int) -> String {
        """
        server:
          listen: 127.0.0.1:\(listenPort)
          workers: 1
        upstreams:
          - name: echo
            targets: [127.0.0.1:\(upstreamPort)]
        routes:
          - path: /public/**
            upstream: echo
            auth: none
          - path: /api/v1/apps
            methods: [GET]
            upstream: echo
        """
    }

    static func instructions(base: String) -> String {
        """

        Tollgate demo: the gateway is on \(base), in front of an echo upstream.
        Try, from another terminal:

          curl -i \(base)/public/hello                                      # 200: auth: none, echoed
          curl -i \(base)/api/v1/apps                                       # 401 unauthorized: no token
          curl -i -H 'Authorization: Bearer not.a.token' \(base)/api/v1/apps   # 401 invalid_token
          curl -i \(base)/nowhere                                           # 404 not_found

        Stop with Ctrl-C.
        """
    }
}
