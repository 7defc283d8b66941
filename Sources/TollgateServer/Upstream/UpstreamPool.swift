import NIOCore
import NIOPosix
import NIOSSL
import TollgateCore

/// The kept-alive connections of one event loop to one upstream: target choice
/// (round robin or least connections), passive health, the `max_connections`
/// cap with its bounded wait, and reuse. Confined to its event loop, so it
/// takes no locks.
final class UpstreamPool {
    /// How a request gets its connection.
    enum Acquisition {
        case ready(UpstreamConnection)
        case pending(EventLoopFuture<UpstreamConnection>)
        case failed(UpstreamFailure)
    }

    /// A target that refused or reset a connection is skipped for this long.
    static let passiveHealthCooldown = TimeAmount.seconds(10)

    private struct Target {
        let address: HostPort
        let name: String
        /// An `https://` target: connections start with a verified TLS handshake.
        let tls: Bool
        var idle: [UpstreamConnection] = []
        var busy = 0
        var downUntil = NIODeadline.uptimeNanoseconds(0)
    }

    private struct Waiter {
        let promise: EventLoopPromise<UpstreamConnection>
        let timeout: Scheduled<Void>
    }

    let config: UpstreamConfig
    let eventLoop: EventLoop
    /// The loop's metrics: connect errors and waits at `max_connections` are counted there.
    private let metrics: LoopMetrics
    /// The snapshot's client TLS context for this upstream's `https://` targets.
    private let tlsContext: NIOSSLContext?
    private var targets: [Target]
    /// Open plus connecting connections, against `max_connections`.
    private var total = 0
    private var nextTarget = 0
    private var waiters = CircularBuffer<Waiter>()

    init(config: UpstreamConfig, tls: NIOSSLContext?, eventLoop: EventLoop, metrics: LoopMetrics) {
        self.config = config
        self.eventLoop = eventLoop
        self.metrics = metrics
        self.tlsContext = tls
        self.targets = config.targets.map { Target(address: $0.value.address, name: $0.value.description, tls: $0.value.tls) }
    }

    var name: String { config.name.value }

    /// The host:port a `host_header: target` request names.
    func hostHeader(for connection: UpstreamConnection) -> String {
        targets[connection.targetIndex].address.description
    }

    /// A connection for one request: an idle one if the chosen target has it, a
    /// new one while under the cap, else a wait of at most `connect_timeout`.
    /// `fresh` skips idle connections (the retry after a stale one failed).
    func acquire(fresh: Bool = false) -> Acquisition {
        guard let index = chooseTarget() else {
            return .failed(.connectFailed(target: name, reason: "no target available"))
        }
        if !fresh, let connection = popIdle(index) {
            targets[index].busy += 1
            return .ready(connection)
        }
        if total < config.maxConnections {
            return .pending(connect(to: index))
        }
        if !fresh, let (otherIndex, connection) = popAnyIdle() {
            targets[otherIndex].busy += 1
            return .ready(connection)
        }
        return .pending(enqueueWaiter())
    }

    /// Returns a connection after its response; `reusable` is false when the
    /// exchange did not finish cleanly, and then the connection is closed.
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        connection.handler.delegate = nil
        connection.handler.setReadsPaused(false)
        targets[connection.targetIndex].busy -= 1
        guard reusable, connection.channel.isActive, connection.handler.isReusable else {
            connection.channel.close(promise: nil)
            return
        }
        connection.responsesCompleted += 1
        if let waiter = waiters.popFirst() {
            waiter.timeout.cancel()
            targets[connection.targetIndex].busy += 1
            waiter.promise.assumeIsolated().succeed(connection)
            return
        }
        if targets[connection.targetIndex].idle.count < config.maxIdleConnections {
            targets[connection.targetIndex].idle.append(connection)
        } else {
            connection.channel.close(promise: nil)
        }
    }

    /// Takes a connection out of the pool for good: it carries a WebSocket
    /// tunnel now. It no longer counts against `max_connections`, so long-lived
    /// tunnels never starve ordinary requests of connections.
    func detach(_ connection: UpstreamConnection) {
        connection.handler.delegate = nil
        connection.handler.onClose = nil
        targets[connection.targetIndex].busy -= 1
        total -= 1
        connectWaiterIfPossible()
    }

    /// Marks a target down after it refused or reset a connection.
    func reportFailure(targetIndex: Int) {
        targets[targetIndex].downUntil = .now() + Self.passiveHealthCooldown
    }

    /// Closes every idle connection (on reload or shutdown).
    func closeIdle() {
        for index in targets.indices {
            let idle = targets[index].idle
            targets[index].idle.removeAll()
            for connection in idle { connection.channel.close(promise: nil) }
        }
    }

    /// The next target by the balance policy among those not marked down.
    private func chooseTarget() -> Int? {
        let now = NIODeadline.now()
        let count = targets.count
        switch config.balance {
        case .roundRobin:
            for offset in 0..<count {
                let index = (nextTarget + offset) % count
                if targets[index].downUntil <= now {
                    nextTarget = (index + 1) % count
                    return index
                }
            }
        case .leastConnections:
            var best: Int?
            for index in 0..<count where targets[index].downUntil <= now {
                if best == nil || targets[index].busy < targets[best!].busy { best = index }
            }
            if let best { return best }
        }
        // Every target is marked down: try the one that has been down longest rather than fail outright.
        return targets.indices.min { targets[$0].downUntil < targets[$1].downUntil }
    }

    private func popIdle(_ index: Int) -> UpstreamConnection? {
        while let connection = targets[index].idle.popLast() {
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    private func popAnyIdle() -> (Int, UpstreamConnection)? {
        for index in targets.indices {
            if let connection = popIdle(index) { return (index, connection) }
        }
        return nil
    }

    private func connect(to index: Int) -> EventLoopFuture<UpstreamConnection> {
        total += 1
        let target = targets[index]
        let targetName = target.name
        let tls = target.tls ? tlsContext.map { UpstreamTLSSetup(context: $0, host: target.address.host) } : nil
        let connectTimeout = config.connectTimeout
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try tls.addHandlers(to: channel, timeout: connectTimeout) }
                    // No outbound header validation: the request head is the client's as llhttp
                    // parsed it, plus values the gateway checked (see `HTTP1Pipeline`).
                    try channel.pipeline.syncOperations.addHandler(UpstreamConnectionHandler(targetName: targetName))
                }
            }
        return bootstrap.connect(host: target.address.host, port: target.address.port)
            .assumeIsolated()
            .flatMapErrorThrowing { error in
                self.total -= 1
                self.metrics.upstreamConnectFailed(self.name)
                self.reportFailure(targetIndex: index)
                self.connectWaiterIfPossible()
                throw UpstreamFailure.connectFailed(target: targetName, reason: Self.describe(error))
            }
            .flatMap { channel in
                guard tls != nil else { return channel.eventLoop.makeSucceededFuture(channel) }
                return UpstreamTLSSetup.handshakeDone(on: channel)
                    .assumeIsolated()
                    .flatMapErrorThrowing { error in
                        self.total -= 1
                        self.reportFailure(targetIndex: index)
                        self.connectWaiterIfPossible()
                        channel.close(promise: nil)
                        throw UpstreamFailure.tlsFailed(target: targetName, reason: "\(error)")
                    }
                    .nonisolated()
            }
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
                let connection = UpstreamConnection(channel: channel, targetIndex: index, handler: handler)
                handler.onClose = { [unowned self] in self.forget(connection) }
                self.targets[index].busy += 1
                return connection
            }
            .nonisolated()
    }

    private func forget(_ connection: UpstreamConnection) {
        total -= 1
        let index = connection.targetIndex
        if let position = targets[index].idle.firstIndex(where: { $0 === connection }) {
            targets[index].idle.remove(at: position)
        }
        connectWaiterIfPossible()
    }

    private func connectWaiterIfPossible() {
        guard total < config.maxConnections, let waiter = waiters.popFirst() else { return }
        waiter.timeout.cancel()
        guard let index = chooseTarget() else {
            waiter.promise.fail(UpstreamFailure.connectFailed(target: name, reason: "no target available"))
            return
        }
        let promise = waiter.promise
        connect(to: index).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection): promise.assumeIsolated().succeed(connection)
            case .failure(let error): promise.fail(error)
            }
        }
    }

    private func enqueueWaiter() -> EventLoopFuture<UpstreamConnection> {
        metrics.upstreamPoolWaited(name)
        let promise = eventLoop.makePromise(of: UpstreamConnection.self)
        let name = self.name
        let timeout = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(config.connectTimeout)) { [unowned self] in
            if let position = self.waiters.firstIndex(where: { $0.promise.futureResult === promise.futureResult }) {
                self.waiters.remove(at: position)
            }
            promise.fail(UpstreamFailure.poolExhausted(upstream: name))
        }
        waiters.append(Waiter(promise: promise, timeout: timeout))
        return promise.futureResult
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return "\(first.error)"
        }
        if error is ChannelError { return "connect timed out" }
        return "\(error)"
    }
}
