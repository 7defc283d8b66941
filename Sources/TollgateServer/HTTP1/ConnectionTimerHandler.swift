import NIOCore
import TollgateCore

/// The first handler of a client connection, in front of the HTTP decoder:
/// it closes a connection that stays idle between requests for `idle_timeout`,
/// and answers 408 when a request head has started but is not complete within
/// `header_timeout` (slowloris). The proxy handler tells it when a head
/// arrived and when an exchange finished; `headerTimedOut` hears of each 408
/// (with when the head began), for the metrics and the access log, and returns
/// the 408 to send: it is built only then, not held by every connection (that
/// cost an idle connection 0.3 KiB of heap: heaptrack, 250 B + 62 B).
///
/// A keep-alive connection idle for `hibernateAfter` hibernates: the HTTP/1.1
/// codec and the proxy handler leave the pipeline, and come back (fresh) with
/// the next byte. They are most of what an idle connection holds: heaptrack,
/// 2,000 idle connections after one request each, put NIO's decoder, encoder
/// and their contexts at 2.2 KiB per connection and the proxy handler at
/// 0.9 KiB. Only a connection whose decoder holds nothing hibernates: see
/// `exchangeFinished(mayHibernate:)`.
///
/// One timer at a time, re-checked when it fires: a keep-alive connection
/// costs no timer operation per request (the first profile showed schedule
/// and cancel per request at ~10% of the proxy's CPU); under steady traffic
/// the hibernation deadline costs one re-armed timer per `hibernateAfter`.
final class ConnectionTimerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// How long a keep-alive connection waits for its next request before it hibernates.
    static let hibernateAfter = TimeAmount.seconds(1)

    /// Puts a hibernating connection's HTTP/1.1 handlers back behind these timers.
    typealias Wake = (ConnectionTimerHandler, Channel) throws -> Void

    private enum Phase {
        case awaitingFirstByte
        case receivingHead
        case exchange
    }

    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let headerTimedOut: (NIODeadline) -> ByteBuffer
    /// When the first byte of the current head arrived.
    private var headStarted = NIODeadline.now()
    private var phase = Phase.awaitingFirstByte
    /// When the current phase times out (not used during an exchange).
    private var deadline = NIODeadline.distantFuture
    /// When the idle connection hibernates (nil: it may not, or already does).
    private var hibernationDeadline: NIODeadline?
    /// Set while hibernating: how to bring the handlers back.
    private var wake: Wake?
    /// The proxy handler behind the timers, asked to leave when the connection hibernates.
    private weak var proxy: HTTP1ProxyHandler?
    /// Whether the last bytes read ended with an empty line (CR LF CR LF).
    private var lastReadEndedWithBlankLine = false
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?
    private var context: ChannelHandlerContext?

    init(
        idleTimeout: TimeAmount,
        headerTimeout: TimeAmount,
        headerTimedOut: @escaping (NIODeadline) -> ByteBuffer
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.headerTimedOut = headerTimedOut
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(.now() + idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        wake = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.now() + idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        wake = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        lastReadEndedWithBlankLine = buffer.readableBytes >= 4
            && buffer.getInteger(at: buffer.writerIndex - 4, as: UInt32.self) == Self.blankLineEnd
        if phase == .awaitingFirstByte {
            if let wake {
                self.wake = nil
                do {
                    try wake(self, context.channel)
                } catch {
                    context.close(promise: nil)
                    return
                }
            }
            phase = .receivingHead
            hibernationDeadline = nil
            headStarted = .now()
            arm(headStarted + headerTimeout)
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Draining: a hibernating connection has nothing in flight (awake, the proxy handler decides).
        if wake != nil, event is ChannelShouldQuiesceEvent {
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
        hibernationDeadline = nil
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
        hibernationDeadline = mayHibernate && lastReadEndedWithBlankLine ? now + Self.hibernateAfter : nil
        arm(now + idleTimeout)
    }

    /// CR LF CR LF as a big-endian `UInt32`.
    private static let blankLineEnd: UInt32 = 0x0D0A_0D0A

    /// Sets the deadline; reschedules only when the pending timer would fire too late.
    private func arm(_ newDeadline: NIODeadline) {
        deadline = newDeadline
        schedule(min(newDeadline, hibernationDeadline ?? newDeadline))
    }

    private func schedule(_ firesAt: NIODeadline) {
        if let timerFiresAt, timerFiresAt <= firesAt { return }
        cancelTimer()
        guard let context else { return }
        timerFiresAt = firesAt
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: firesAt) { [weak self] in
            self?.fire()
        }
    }

    private func fire() {
        timer = nil
        timerFiresAt = nil
        guard let context, phase != .exchange else { return }
        let now = NIODeadline.now()
        if let hibernationDeadline, now >= hibernationDeadline {
            self.hibernationDeadline = nil
            wake = proxy?.hibernate()
            // The weak reference's side table outlives the handler (32 B, heaptrack).
            if wake != nil { proxy = nil }
        }
        if now < deadline {
            schedule(min(deadline, hibernationDeadline ?? deadline))
            return
        }
        switch phase {
        case .awaitingFirstByte:
            context.close(promise: nil)
        case .receivingHead:
            let response = headerTimedOut(headStarted)
            context.writeAndFlush(NIOAny(IOData.byteBuffer(response))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .exchange:
            return
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
    }
}
