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

    private struct State {
        var listeners: [Channel] = []
        var admin: Channel?
        var quiescing: ServerQuiescingHelper?
        var draining = false
    }

    public let group: MultiThreadedEventLoopGroup
    private let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    private let connections: ConnectionCounter
    private let state = Mutex(State())
    private let logger: Logger
    private let readiness: Readiness
    private let fetchClient: FetchClient
    /// The token services of the snapshot now served.
    private let services: Mutex<TokenServices>
    /// The listener's certificate when `server.tls` is set; a reload replaces it.
    private let serverTLS: ServerTLSContext?

    /// Starts the event loops for `snapshot` (`server.workers`); call `start()` to listen.
    public init(snapshot: GatewaySnapshot, logger: Logger) throws {
        let threads: Int
        switch snapshot.config.server.workers {
        case .auto: threads = System.coreCount
        case .count(let count): threads = count
        }
        let serverTLS = try snapshot.config.server.tls.map { config throws(TLSFileError) in try ServerTLSContext(config) }
        let upstreamTLS = try UpstreamTLSContexts(snapshot.config)
        try TLSFileCheck.checkIssuerCAFiles(snapshot.config)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let fetchClient = FetchClient(group: group)
        let services: TokenServices
        do {
            services = try TokenServices(snapshot: snapshot, client: fetchClient, logger: logger)
        } catch {
            fetchClient.syncShutdown()
            try? group.syncShutdownGracefully()
            throw error
        }
        var contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        for loop in group.makeIterator() {
            let context = try loop.submit {
                NIOLoopBound(LoopContext(eventLoop: loop, services: services, upstreamTLS: upstreamTLS), eventLoop: loop)
            }.wait()
            contexts[ObjectIdentifier(loop)] = context
        }
        self.group = group
        self.fetchClient = fetchClient
        self.contexts = contexts
        self.connections = ConnectionCounter(limit: snapshot.config.limits.maxConnections)
        self.logger = logger
        self.readiness = Readiness()
        self.snapshotForStart = snapshot
        self.services = Mutex(services)
        self.serverTLS = serverTLS
        services.keys.setPublisher(Self.publisher(for: snapshot, to: contexts))
        readiness.track(services.keys)
    }

    private let snapshotForStart: GatewaySnapshot

    /// Binds every `server.listen` address and the admin listener; returns the
    /// public listeners with their real ports.
    public func start() async throws -> (listeners: [BoundListener], admin: BoundListener?) {
        let snapshot = snapshotForStart
        let quiescing = ServerQuiescingHelper(group: group)
        state.withLock { $0.quiescing = quiescing }
        var bound: [BoundListener] = []
        for address in snapshot.config.server.listen {
            let channel = try await bindPublic(address.value, quiescing: quiescing)
            state.withLock { $0.listeners.append(channel) }
            bound.append(Self.describe(channel, fallback: address.value))
        }
        var admin: BoundListener?
        if let address = snapshot.config.server.admin {
            let channel = try await AdminServer.bind(address.value, group: group, readiness: readiness)
            state.withLock { $0.admin = channel }
            admin = Self.describe(channel, fallback: address.value)
        }
        readiness.markListening()
        services.withLock { $0 }.start()
        return (bound, admin)
    }

    /// Publishes a new snapshot to every event loop: requests that start after
    /// this use it; requests in flight finish on the one they started with.
    /// TLS files are read again first: one that cannot be used throws
    /// `TLSFileError` and nothing changes. Connections accepted from then on
    /// handshake with the new certificate; open ones keep theirs.
    public func install(_ snapshot: GatewaySnapshot) async throws {
        let newServerTLS = try serverTLSContext(for: snapshot)
        let upstreamTLS = try UpstreamTLSContexts(snapshot.config)
        try TLSFileCheck.checkIssuerCAFiles(snapshot.config)
        let old = services.withLock { $0 }
        let new = try TokenServices(snapshot: snapshot, client: fetchClient, logger: logger, previous: old)
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
        let (quiescing, admin) = state.withLock { state -> (ServerQuiescingHelper?, Channel?) in
            state.draining = true
            return (state.quiescing, state.admin)
        }
        guard let quiescing else { return true }
        let promise = group.next().makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: promise)
        for context in contexts.values {
            context.eventLoop.execute { context.value.closeIdleConnections() }
        }
        let finished = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask { (try? await promise.futureResult.get()) != nil }
            tasks.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
        try? await admin?.close()
        return finished
    }

    /// Releases the event loops (after `drain`, or on a failed start).
    public func shutdown() async {
        services.withLock { $0 }.stop()
        await fetchClient.shutdown()
        try? await group.shutdownGracefully()
    }

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
            .childChannelOption(.maxMessagesPerRead, value: 16)
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
                        try HTTP1Pipeline.configure(channel, loop: loop, scheme: "http")
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
    /// The new config changes something only a restart can (what was bound at start).
    case reloadCannotChange(String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
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
}
