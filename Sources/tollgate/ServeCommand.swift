import ArgumentParser
import Logging
import TollgateCore
import TollgateServer
#if canImport(Glibc)
import Glibc
#endif

/// `tollgate serve`: runs the gateway until SIGTERM/SIGINT; SIGHUP reloads.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway.",
        discussion: """
            Logs go to stderr; one 'listening on HOST:PORT' line per listener once it accepts.
            SIGHUP reloads the configuration (an invalid one is logged and the old one stays).
            SIGTERM or SIGINT drains in-flight requests for at most server.drain_timeout, then
            exits 0; a second signal exits at once with status 1.
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = "conf/tollgate.yaml"

    func run() async throws {
        let logger = Log.bootstrap()
        let snapshot = try ConfigFile.loadSnapshot(config, printWarningsTo: logger)
        try await Gateway.run(snapshot: snapshot, logger: logger) {
            try ConfigFile.loadSnapshot(config, printWarningsTo: logger, replayStore: snapshot.replayStore)
        }
    }
}

/// The serve loop shared by `serve` and `demo`: start, then react to signals.
enum Gateway {
    static func run(
        snapshot: GatewaySnapshot,
        logger: Logger,
        afterStart: (GatewayServer.BoundListener) -> Void = { _ in },
        reload: @escaping @Sendable () throws -> GatewaySnapshot
    ) async throws {
        let signals = SignalStream.watch([SIGTERM, SIGINT, SIGHUP])
        let server = try GatewayServer(snapshot: snapshot, logger: logger)
        let bound: (listeners: [GatewayServer.BoundListener], admin: GatewayServer.BoundListener?)
        do {
            bound = try await server.start()
        } catch {
            await server.shutdown()
            throw error
        }
        for listener in bound.listeners {
            logger.info("listening on \(listener)")
        }
        if let admin = bound.admin {
            logger.info("admin listener on \(admin)")
        }
        if let first = bound.listeners.first { afterStart(first) }

        var draining = false
        for await signal in signals {
            if signal == SIGHUP {
                do {
                    let report = try await server.install(try reload())
                    for listener in report.added { logger.info("listening on \(listener)") }
                    for address in report.removed { logger.info("stopped listening on \(address)") }
                    for key in report.needsRestart { logger.warning("\(key) changed: it takes effect at the next restart") }
                    logger.info("configuration reloaded")
                } catch {
                    logger.error("configuration not reloaded, the previous one stays:\n\(error)")
                }
                continue
            }
            if draining {
                logger.warning("second signal: exiting without waiting for in-flight requests")
                exit(1)
            }
            draining = true
            let timeout = server.drainTimeout
            logger.info("draining: no new connections, in-flight requests have \(timeout.configText)")
            Task {
                let finished = await server.drain(timeout: timeout)
                logger.info(finished ? "drained, exiting" : "drain timeout reached, exiting")
                exit(0)
            }
        }
    }
}
