import Logging
import NIOCore
import NIOPosix
import TollgateCore

/// `replay: redis://host:port/db`: the replay store every instance of a fleet
/// shares. Each proof is one `SET tollgate:dpop:<issuer>:<jti> 1 NX PX <ms>`
/// — `OK` means fresh, a null reply means seen — pipelined on one connection
/// per store (requests from every loop share it, replies come back in order),
/// each answered within `timeout` or failed. It fails closed: an unreachable,
/// slow or erring Redis gives `.unavailable` with the cause (logged once per
/// failure, not per request), never `.fresh`.
final class RedisReplayStore: ReplayStore {
    /// How long a proof waits for Redis's answer (and a connection for its TCP handshake).
    static let timeout = TimeAmount.milliseconds(250)

    let address: RedisAddress
    private let loop: EventLoop
    private let logger: Logger
    /// Confined to `loop`.
    private let state: NIOLoopBoundBox<State>

    private struct Waiter {
        var completion: @Sendable (ReplayVerdict) -> Void
        var timer: Scheduled<Void>?
    }

    private struct State {
        var channel: Channel?
        var connecting = false
        /// Commands waiting for the connection.
        var queued: [(command: [[UInt8]], waiter: Waiter)] = []
        /// Commands sent, in order, waiting for their replies.
        var inFlight = CircularBuffer<Waiter>()
    }

    init(address: RedisAddress, group: EventLoopGroup, logger: Logger) {
        self.address = address
        loop = group.next()
        self.logger = logger
        state = NIOLoopBoundBox.makeBoxSendingValue(State(), eventLoop: loop)
    }

    /// The store of `previous` for the same address (a reload keeps its connection), else a new one.
    static func shared(_ address: RedisAddress, group: EventLoopGroup, logger: Logger, previous: [(any ReplayStore)?]) -> RedisReplayStore {
        for case let store as RedisReplayStore in previous where store.address == address { return store }
        return RedisReplayStore(address: address, group: group, logger: logger)
    }

    func record(_ check: ReplayCheck, now: Int64, completion: @escaping @Sendable (ReplayVerdict) -> Void) {
        let key = Array("tollgate:dpop:\(check.issuer):".utf8) + Array(check.jti.utf8)
        let milliseconds = Array(String(check.remainingSeconds(now: now) * 1000).utf8)
        let command = [Array("SET".utf8), key, [UInt8(ascii: "1")], Array("NX".utf8), Array("PX".utf8), milliseconds]
        loop.execute { self.send(command, completion: completion) }
    }

    /// Stops the connection (tests, shutdown); waiting proofs fail closed.
    func close() {
        loop.execute {
            self.state.value.channel?.close(promise: nil)
        }
    }

    // MARK: - On the loop

    private func send(_ command: [[UInt8]], completion: @escaping @Sendable (ReplayVerdict) -> Void) {
        var waiter = Waiter(completion: completion, timer: nil)
        waiter.timer = loop.assumeIsolated().scheduleTask(in: Self.timeout) { [self] in
            fail("Redis at \(address) did not answer within \(Self.timeout.nanoseconds / 1_000_000) ms")
        }
        if let channel = state.value.channel {
            state.value.inFlight.append(waiter)
            write(command, to: channel)
        } else {
            state.value.queued.append((command, waiter))
            connect()
        }
    }

    private func write(_ command: [[UInt8]], to channel: Channel) {
        var buffer = channel.allocator.buffer(capacity: 64)
        buffer.writeRESPCommand(command)
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func connect() {
        guard !state.value.connecting else { return }
        state.value.connecting = true
        let store = self
        ClientBootstrap(group: loop)
            .connectTimeout(Self.timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try channel.pipeline.syncOperations.addHandler(RESPReplyHandler(store: store))
                }
            }
            .connect(host: address.address.host, port: address.address.port)
            .assumeIsolated()
            .whenComplete { result in
                store.state.value.connecting = false
                switch result {
                case .success(let channel): store.connected(channel)
                case .failure(let error): store.fail("Redis at \(store.address) is unreachable", detail: "\(error)")
                }
            }
    }

    private func connected(_ channel: Channel) {
        state.value.channel = channel
        if address.database != 0 {
            let select = [Array("SELECT".utf8), Array(String(address.database).utf8)]
            let waiter = Waiter(completion: { [self] verdict in
                if verdict != .fresh { loop.execute { self.fail("Redis at \(self.address) refused SELECT \(self.address.database)") } }
            }, timer: nil)
            state.value.inFlight.append(waiter)
            write(select, to: channel)
        }
        let queued = state.value.queued
        state.value.queued = []
        for (command, waiter) in queued {
            state.value.inFlight.append(waiter)
            write(command, to: channel)
        }
    }

    /// The next reply, for the oldest command sent.
    fileprivate func received(_ reply: RESPValue) {
        guard let waiter = state.value.inFlight.popFirst() else {
            return fail("Redis at \(address) sent a reply nothing asked for")
        }
        waiter.timer?.cancel()
        switch reply {
        case .simpleString("OK"): waiter.completion(.fresh)
        case .bulkString(nil): waiter.completion(.replayed)
        case .error(let message): waiter.completion(.unavailable("Redis at \(address) answered an error (\(message))"))
        default: waiter.completion(.unavailable("Redis at \(address) answered unexpectedly"))
        }
    }

    fileprivate func closed(_ channel: Channel, error: Error?) {
        guard state.value.channel === channel else { return }
        fail("the connection to Redis at \(address) was lost", detail: error.map { "\($0)" })
    }

    /// Fails every waiting proof closed with `reason` (what the client reads),
    /// drops the connection (replies could no longer be matched to commands)
    /// and logs the cause once, with `detail` (the network error).
    private func fail(_ reason: String, detail: String? = nil) {
        let waiting = Array(state.value.inFlight) + state.value.queued.map(\.waiter)
        state.value.inFlight.removeAll()
        state.value.queued.removeAll()
        if let channel = state.value.channel {
            state.value.channel = nil
            channel.close(promise: nil)
        }
        guard !waiting.isEmpty else { return }
        var metadata: Logger.Metadata = ["reason": "\(reason)", "requests": "\(waiting.count)"]
        if let detail { metadata["error"] = "\(detail)" }
        logger.error("DPoP replay store failed closed", metadata: metadata)
        for waiter in waiting {
            waiter.timer?.cancel()
            waiter.completion(.unavailable(reason))
        }
    }
}

/// Hands each decoded reply (and the connection's end) to its store, on the store's loop.
private final class RESPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue

    private let store: RedisReplayStore

    init(store: RedisReplayStore) {
        self.store = store
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        store.received(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        store.closed(context.channel, error: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        store.closed(context.channel, error: error)
        context.close(promise: nil)
    }
}
