import NIOCore
import NIOHTTP1
import TollgateCore

/// The first handler of a client connection, in front of the HTTP decoder:
/// it closes a connection that stays idle between requests for `idle_timeout`,
/// and answers 408 when a request head has started but is not complete within
/// `header_timeout` (slowloris). The proxy handler tells it when a head
/// arrived and when an exchange finished. A 408 is counted and logged like
/// any other answer, and built only when it is sent, not held by every
/// connection (that cost an idle connection 0.3 KiB of heap: heaptrack,
/// 250 B + 62 B).
///
/// A keep-alive connection idle for `hibernateAfter` hibernates: the HTTP/1.1
/// request decoder and the proxy handler leave the pipeline, and come back (fresh) with
/// the next byte. They are most of what an idle connection holds: heaptrack,
/// 2,000 idle connections after one request each, put NIO's decoder, encoder
/// and their contexts at 2.2 KiB per connection and the proxy handler at
/// 0.9 KiB. Only a connection whose decoder holds nothing hibernates: see
/// `exchangeFinished(mayHibernate:)`.
///
/// Its deadlines are checked by its loop's `ConnectionSweep`, not by a timer
/// of its own: a request costs no timer operation, a connection one array
/// slot. What a hibernated connection needs to wake up (its loop, the
/// timeouts, the scheme) is held here as plain values, not in closures:
/// the two closures it held (the 408's and the wake-up's) cost 56 + 72 B of
/// heap per idle connection (heaptrack).
final class ConnectionTimerHandler: ChannelInboundHandler, SweptConnection {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// How long a keep-alive connection waits for its next request before it
    /// hibernates (plus up to one `ConnectionSweep.interval`). RSS follows the
    /// peak of connections still awake: 10,000 idle connections opened in
    /// ~3 s grew it 4.18–4.29 KB each with 0.5 s, 4.93–4.94 KB with 1 s
    /// (`benchmarks/README.md`, "session 5"). nginx frees a keep-alive
    /// connection's request memory at once; a request after a longer pause
    /// pays for the decoder and the proxy handler again.
    static let hibernateAfter = TimeAmount.milliseconds(500)

    private enum Phase {
        case awaitingFirstByte
        case receivingHead
        case exchange
    }

    private let loop: LoopContext
    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    /// When the first byte of the current head arrived.
    private var headStarted = NIODeadline.now()
    /// When the current phase times out (not used during an exchange;
    /// `distantFuture` once it has timed out and the connection is closing).
    private var deadline = NIODeadline.distantFuture
    /// When the idle connection hibernates (`distantFuture`: it may not, or already does).
    private var hibernationDeadline = NIODeadline.distantFuture
    /// The proxy handler behind the timers, asked to leave when the connection hibernates.
    private weak var proxy: HTTP1ProxyHandler?
    private var context: ChannelHandlerContext?
    /// Where this connection sits in its loop's sweep (-1: not watched); kept by the sweep.
    var sweepIndex = -1
    private var phase = Phase.awaitingFirstByte
    /// The decoder and the proxy handler have left; the next byte brings them back.
    private var hibernating = false
    /// The listener serves TLS: the scheme the proxy handler forwards.
    private let secure: Bool
    /// Whether the last bytes read ended with an empty line (CR LF CR LF).
    private var lastReadEndedWithBlankLine = false

    init(loop: LoopContext, idleTimeout: TimeAmount, headerTimeout: TimeAmount, scheme: String) {
        self.loop = loop
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.secure = scheme == "https"
    }

    /// When the sweep next has to call `deadlinePassed(now:)`.
    var nextCheck: NIODeadline {
        phase == .exchange ? .distantFuture : min(deadline, hibernationDeadline)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { watch() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loop.connectionSweep.remove(self)
        hibernating = false
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        watch()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.connectionSweep.remove(self)
        hibernating = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        lastReadEndedWithBlankLine = buffer.readableBytes >= 4
            && buffer.getInteger(at: buffer.writerIndex - 4, as: UInt32.self) == Self.blankLineEnd
        if phase == .awaitingFirstByte {
            if hibernating {
                hibernating = false
                do {
                    try wake(context.channel)
                } catch {
                    context.close(promise: nil)
                    return
                }
            }
            phase = .receivingHead
            hibernationDeadline = .distantFuture
            headStarted = .now()
            deadline = headStarted + headerTimeout
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Draining: a hibernating connection has nothing in flight (awake, the proxy handler decides).
        if hibernating, event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The proxy handler behind these timers (a new one after each wake-up).
    func attach(_ proxy: HTTP1ProxyHandler) {
        self.proxy = proxy
    }

    /// The proxy parsed a request head: its own timers take over.
    func headReceived() {
        phase = .exchange
        hibernationDeadline = .distantFuture
    }

    /// The exchange is over and the connection is kept alive for the next
    /// request. `mayHibernate`: the proxy handler holds nothing of a next
    /// request and the finished request had no body bytes, so it ended with
    /// an empty line (its head's, or a chunked body's last). If the last
    /// bytes read end with an empty line too, the decoder has consumed
    /// everything: any bytes after that request's end would be a later
    /// request's head, complete or malformed (either reaches the proxy
    /// handler), or empty lines the parser skips.
    func exchangeFinished(mayHibernate: Bool) {
        phase = .awaitingFirstByte
        let now = NIODeadline.now()
        hibernationDeadline = mayHibernate && lastReadEndedWithBlankLine ? now + Self.hibernateAfter : .distantFuture
        deadline = now + idleTimeout
    }

    /// Called by the sweep once `nextCheck` has passed: hibernates, closes an
    /// idle connection, or answers a stalled head with 408.
    func deadlinePassed(now: NIODeadline) {
        guard let context, phase != .exchange else { return }
        if now >= hibernationDeadline {
            hibernationDeadline = .distantFuture
            if proxy?.hibernate() == true {
                hibernating = true
                // The weak reference's side table outlives the handler (32 B, heaptrack).
                proxy = nil
            }
        }
        guard now >= deadline else { return }
        deadline = .distantFuture
        switch phase {
        case .awaitingFirstByte:
            context.close(promise: nil)
        case .receivingHead:
            let response = headerTimedOut()
            context.writeAndFlush(NIOAny(IOData.byteBuffer(response))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .exchange:
            return
        }
    }

    /// CR LF CR LF as a big-endian `UInt32`.
    private static let blankLineEnd: UInt32 = 0x0D0A_0D0A

    private func watch() {
        if deadline == .distantFuture { deadline = .now() + idleTimeout }
        loop.connectionSweep.add(self)
    }

    /// Puts the HTTP/1.1 handlers back behind these timers, and NIO's reads per cycle (`HTTP1ProxyHandler.hibernate`).
    private func wake(_ channel: Channel) throws {
        try channel.syncOptions?.setOption(.maxMessagesPerRead, value: GatewayServer.clientReadsPerCycle)
        try HTTP1Pipeline.addHandlers(
            after: self,
            timers: self,
            to: channel,
            loop: NIOLoopBound(loop, eventLoop: channel.eventLoop),
            scheme: secure ? "https" : "http"
        )
    }

    /// Counts and logs the 408 for the stalled head, and returns it.
    private func headerTimedOut() -> ByteBuffer {
        var record = ExchangeRecord(started: headStarted, headParsed: false)
        record.status = 408
        let unparsed = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        let requestID = loop.requestIDs.generate()
        loop.observe(record, AccessLogLine.Request(head: unparsed, requestID: requestID, bytesIn: 0))
        return ErrorResponse.rawHTTP1(Rejection(
            .requestTimeout,
            "the request head was not received within \(Duration.nanoseconds(headerTimeout.nanoseconds).configText)"
        ))
    }
}
