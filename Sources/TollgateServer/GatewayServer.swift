import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import TollgateCore

/// The running gateway: its event loops, the public listeners and the admin
/// listener, the per-loop contexts that hold the current snapshot, and the
/// graceful drain. Everything that decides lives in the core; this moves bytes.
public final class GatewayServer: Sendable {
    /// A listener that is accepting connections, with the port the OS picked.
    public struct BoundListener: Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public var description: String { HostPort(host: host, port: port).description }
    }

    /// A public listener and the helper that drains its connections. NIO's
    /// `ServerQuiescingHelper` tracks the children of one server channel, so
    /// each listener has its own.
    private struct Listener {
        var channel: Channel
        var quiescing: ServerQuiescingHelper
        /// The address with the port the OS picked.
        var bound: HostPort

        /// Whether a configured address names this listener: as it was configured, or with its real port.
        func isNamed(by address: HostPort, configuredAs key: HostPort) -> Bool {
            address == key || address == bound
        }
    }

    private struct State {
        /// Keyed by the address as configured (port 0 stays 0), which is what a reload compares.
        var listeners: [HostPort: Listener] = [:]
        var admin: Channel?
        var draining = false
        /// Listeners a reload removed: no longer accepting, their connections finishing.
        var retiring: [EventLoopFuture<Void>] = []
        /// The snapshot now served, which a reload compares against.
        var serving: GatewaySnapshot
    }

    public let group: MultiThreadedEventLoopGroup
    private let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    private let connections: ConnectionCounter
    private let state: Mutex<State>
    /// What only a restart changes: the event loops and the admin listener.
    private let started: (workers: ServerConfig.Workers, admin: HostPort?)
    private let logger: Logger
    private let readiness: Readiness
    private let fetchClient: FetchClient
    /// The token services of the snapshot now served.
    private let services: Mutex<TokenServices>
    private let processMetrics: ProcessMetrics
    private let metrics: MetricsCollector
    /// Nil when `access_log.enabled` is false (set at start; a reload keeps it).
    private let accessLog: AccessLogWriter?
    /// The listener's certificate when `server.tls` is set; a reload replaces it.
    private let serverTLS: ServerTLSContext?

    /// Starts the event loops for `snapshot` (`server.workers`); call `start()` to listen.
    public init(snapshot: GatewaySnapshot, logger: Logger) throws {
        let threads: Int
        switch snapshot.config.server.workers {
        case .auto: threads = System.coreCount
        case .count(let count): threads = count
        }
        let processMetrics = ProcessMetrics()
        let accessLogConfig = snapshot.config.accessLog
        let accessLog = accessLogConfig.enabled
            ? try AccessLogWriter(destination: .init(path: accessLogConfig.path), metrics: processMetrics, logger: logger)
            : nil
        let serverTLS = try snapshot.config.server.tls.map { config throws(TLSFileError) in try ServerTLSContext(config) }
        let upstreamTLS = try UpstreamTLSContexts(snapshot.config)
        try TLSFileCheck.checkIssuerCAFiles(snapshot.config)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let fetchClient = FetchClient(group: group)
        let services: TokenServices
        do {
            services = try TokenServices(snapshot: snapshot, client: fetchClient, metrics: processMetrics, logger: logger)
        } catch {
            fetchClient.syncShutdown()
            try? group.syncShutdownGracefully()
            throw error
        }
        var contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        for loop in group.makeIterator() {
            let context = try loop.submit {
                NIOLoopBound(LoopContext(eventLoop: loop, services: services, upstreamTLS: upstreamTLS, accessLog: accessLog), eventLoop: loop)
            }.wait()
            contexts[ObjectIdentifier(loop)] = context
        }
        self.group = group
        self.fetchClient = fetchClient
        self.contexts = contexts
        let connections = ConnectionCounter(limit: snapshot.config.limits.maxConnections)
        self.connections = connections
        self.processMetrics = processMetrics
        self.metrics = MetricsCollector(loops: Array(contexts.values), process: processMetrics, connections: connections)
        self.accessLog = accessLog
        self.logger = logger
        self.readiness = Readiness()
        self.state = Mutex(State(serving: snapshot))
        self.started = (snapshot.config.server.workers, snapshot.config.server.admin?.value)
        self.services = Mutex(services)
        self.serverTLS = serverTLS
        services.keys.setPublisher(Self.publisher(for: snapshot, to: contexts))
        readiness.track(services.keys)
    }

    /// What a reload changed beyond routes, issuers and limits.
    public struct ReloadReport: Sendable {
        /// Listeners the new config added, with their real ports.
        public var added: [BoundListener] = []
        /// Addresses (as configured) that stopped accepting; their connections finish.
        public var removed: [String] = []
        /// Config keys whose change needs a restart, ignored by this reload.
        public var needsRestart: [String] = []
    }

    /// The drain timeout of the config now served.
    public var drainTimeout: Duration {
        state.withLock { $0.serving.config.server.drainTimeout }
    }

    /// Binds every `server.listen` address and the admin listener; returns the
    /// public listeners with their real ports.
    public func start() async throws -> (listeners: [BoundListener], admin: BoundListener?) {
        let snapshot = state.withLock { $0.serving }
        var bound: [BoundListener] = []
        for address in snapshot.config.server.listen {
            bound.append(try await openListener(address.value))
        }
        var admin: BoundListener?
        if let address = snapshot.config.server.admin {
            let channel = try await AdminServer.bind(address.value, group: group, readiness: readiness, metrics: metrics)
            state.withLock { $0.admin = channel }
            admin = Self.describe(channel, fallback: address.value)
        }
        readiness.markListening()
        services.withLock { $0 }.start()
        return (bound, admin)
    }

    /// Publishes a new snapshot to every event loop: requests that start after
    /// this use it; requests in flight finish on the one they started with.
    /// Listeners the new config adds are bound first (a failure leaves
    /// everything as it was); listeners it drops stop accepting and drain.
    @discardableResult
    /// TLS files are read again first: one that cannot be used throws
    /// `TLSFileError` and nothing changes. Connections accepted from then on
    /// handshake with the new certificate; open ones keep theirs.
    public func install(_ snapshot: GatewaySnapshot) async throws -> ReloadReport {
        let newServerTLS = try serverTLSContext(for: snapshot)
        let upstreamTLS = try UpstreamTLSContexts(snapshot.config)
        try TLSFileCheck.checkIssuerCAFiles(snapshot.config)
        let (open, draining) = state.withLock { ($0.listeners, $0.draining) }
        guard !draining else { throw GatewayServerError.draining }
        let wanted = snapshot.config.server.listen.map(\.value)
        var report = ReloadReport()
        if started.workers != snapshot.config.server.workers { report.needsRestart.append("server.workers") }
        if started.admin != snapshot.config.server.admin?.value { report.needsRestart.append("server.admin") }
        var added: [HostPort] = []
        do {
            for address in wanted where !added.contains(address)
                && !open.contains(where: { $0.value.isNamed(by: address, configuredAs: $0.key) }) {
                report.added.append(try await openListener(address))
                added.append(address)
            }
        } catch {
            for address in added { await closeListener(address) }
            throw error
        }
        let old = services.withLock { $0 }
        let new: TokenServices
        do {
            new = try TokenServices(snapshot: snapshot, client: fetchClient, metrics: processMetrics, logger: logger, previous: old)
        } catch {
            for address in added { await closeListener(address) }
            throw error
        }
        new.keys.setPublisher(Self.publisher(for: snapshot, to: contexts))
        connections.limit = snapshot.config.limits.maxConnections
        for context in contexts.values {
            try await context.eventLoop.submit { context.value.install(new, upstreamTLS: upstreamTLS) }.get()
        }
        if let newServerTLS { serverTLS?.replace(with: newServerTLS) }
        services.withLock { $0 = new }
        readiness.track(new.keys)
        old.stop()
        new.start()
        for (key, listener) in open where !wanted.contains(where: { listener.isNamed(by: $0, configuredAs: key) }) {
            await closeListener(key)
            report.removed.append(listener.bound.description)
        }
        state.withLock { $0.serving = snapshot }
        return report
    }

    /// Binds `address` and starts accepting on it.
    private func openListener(_ address: HostPort) async throws -> BoundListener {
        let quiescing = ServerQuiescingHelper(group: group)
        let channel = try await bindPublic(address, quiescing: quiescing)
        let bound = Self.describe(channel, fallback: address)
        state.withLock {
            $0.listeners[address] = Listener(channel: channel, quiescing: quiescing, bound: HostPort(host: address.host, port: bound.port))
        }
        return bound
    }

    /// Stops accepting on `address` and lets its connections finish (idle ones close).
    private func closeListener(_ address: HostPort) async {
        guard let listener = state.withLock({ $0.listeners.removeValue(forKey: address) }) else { return }
        let promise = group.next().makePromise(of: Void.self)
        listener.quiescing.initiateShutdown(promise: promise)
        state.withLock { $0.retiring.append(promise.futureResult) }
        try? await listener.channel.closeFuture.get()
    }

    /// Hands an issuer's new keys to every event loop serving `snapshot`.
    private static func publisher(
        for snapshot: GatewaySnapshot,
        to contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    ) -> IssuerKeyStore.Publisher {
        { keys, issuer in
            for context in contexts.values {
                context.eventLoop.execute { context.value.updateKeys(keys, forIssuer: issuer, of: snapshot) }
            }
        }
    }

    /// Stops accepting, closes idle keep-alive connections, lets in-flight
    /// requests finish for at most `timeout`, then closes what is left.
    /// Returns true when everything finished in time.
    public func drain(timeout: Duration) async -> Bool {
        let (listeners, retiring, admin) = state.withLock { state in
            state.draining = true
            return (Array(state.listeners.values), state.retiring, state.admin)
        }
        var pending = retiring
        for listener in listeners {
            let promise = group.next().makePromise(of: Void.self)
            listener.quiescing.initiateShutdown(promise: promise)
            pending.append(promise.futureResult)
        }
        let all = EventLoopFuture.andAllComplete(pending, on: group.next())
        for context in contexts.values {
            context.eventLoop.execute { context.value.closeIdleConnections() }
        }
        let finished = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask { (try? await all.get()) != nil }
            tasks.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
        try? await admin?.close()
        await flushAccessLog()
        return finished
    }

    /// Hands every loop's pending access-log lines to the writer and waits
    /// (at most a second) until it has written them.
    private func flushAccessLog() async {
        guard let accessLog else { return }
        for context in contexts.values {
            try? await context.eventLoop.submit { context.value.accessLog?.flush() }.get()
        }
        let deadline = ContinuousClock.now + .seconds(1)
        while !accessLog.isIdle, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Releases the event loops (after `drain`, or on a failed start).
    public func shutdown() async {
        services.withLock { $0 }.stop()
        await fetchClient.shutdown()
        try? await group.shutdownGracefully()
    }

    /// How many reads a client connection makes per event-loop cycle when
    /// its socket stays readable (a hibernating connection makes one: see
    /// `HTTP1ProxyHandler.hibernate`).
    static let clientReadsPerCycle: UInt = 16

    private func bindPublic(_ address: HostPort, quiescing: ServerQuiescingHelper) async throws -> Channel {
        let contexts = self.contexts
        let connections = self.connections
        let serverTLS = self.serverTLS
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: Self.clientReadsPerCycle)
            .childChannelOption(.recvAllocator, value: ClientReceiveBufferAllocator())
            .childChannelInitializer { channel in
                guard connections.tryOpen() else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in connections.closed() }
                guard let loop = contexts[ObjectIdentifier(channel.eventLoop)] else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    if let serverTLS {
                        try SecureConnectionPipeline.configure(channel, tls: serverTLS.context, loop: loop)
                    } else {
                        try PriorKnowledgeDetector.configure(channel, loop: loop, scheme: "http")
                    }
                }
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw GatewayServerError.cannotListen(address: address.description, reason: "\(error)")
        }
    }

    private static func describe(_ channel: Channel, fallback: HostPort) -> BoundListener {
        BoundListener(host: fallback.host, port: channel.localAddress?.port ?? fallback.port)
    }

    /// The listener's new TLS context for a reload to `snapshot`, read from its
    /// files now. The listeners were bound with or without TLS at start, so a
    /// reload cannot add or remove `server.tls`.
    private func serverTLSContext(for snapshot: GatewaySnapshot) throws -> NIOSSLContext? {
        switch (serverTLS, snapshot.config.server.tls) {
        case (nil, nil):
            return nil
        case (_?, let config?):
            return try ServerTLSContext.makeContext(config)
        case (nil, _?):
            throw GatewayServerError.reloadCannotChange("server.tls was added; the listeners serve cleartext until the gateway is restarted")
        case (_?, nil):
            throw GatewayServerError.reloadCannotChange("server.tls was removed; the listeners serve TLS until the gateway is restarted")
        }
    }
}

/// Why the server could not start or take a new config.
public enum GatewayServerError: Error, Sendable, CustomStringConvertible {
    case cannotListen(address: String, reason: String)
    case draining
    /// The new config changes something only a restart can (what was bound at start).
    case reloadCannotChange(String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
        case .draining: "the gateway is draining and takes no new configuration"
        case .reloadCannotChange(let what): what
        }
    }
}

/// Counts client connections across all event loops against
/// `limits.max_connections`; one atomic add per accepted connection, never
/// touched per request.
final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    private let currentLimit: Atomic<Int>

    init(limit: Int) {
        currentLimit = Atomic(limit)
    }

    var limit: Int {
        get { currentLimit.load(ordering: .relaxed) }
        set { currentLimit.store(newValue, ordering: .relaxed) }
    }

    /// Counts a new connection, or refuses it when the limit is reached.
    func tryOpen() -> Bool {
        let now = open.add(1, ordering: .relaxed).newValue
        if now > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func closed() {
        open.subtract(1, ordering: .relaxed)
    }

    /// Client connections open now (`tollgate_open_connections`).
    var openCount: Int { open.load(ordering: .relaxed) }
}
