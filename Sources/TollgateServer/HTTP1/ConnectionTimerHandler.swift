import NIOCore
import TollgateCore

/// The first handler of a client connection, in front of the HTTP decoder:
/// it closes a connection that stays idle between requests for `idle_timeout`,
/// and answers 408 when a request head has started but is not complete within
/// `header_timeout` (slowloris). The proxy handler tells it when a head
/// arrived and when an exchange finished; `headerTimedOut` hears of each 408
/// (with when the head began), for the metrics and the access log.
///
/// One timer at a time, re-checked when it fires: a keep-alive connection
/// costs no timer operation per request (the first profile showed schedule
/// and cancel per request at ~10% of the proxy's CPU).
final class ConnectionTimerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase {
        case awaitingFirstByte
        case receivingHead
        case exchange
    }

    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let headerTimeoutResponse: ByteBuffer
    private let headerTimedOut: (NIODeadline) -> Void
    /// When the first byte of the current head arrived.
    private var headStarted = NIODeadline.now()
    private var phase = Phase.awaitingFirstByte
    /// When the current phase times out (not used during an exchange).
    private var deadline = NIODeadline.distantFuture
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?
    private var context: ChannelHandlerContext?

    init(
        idleTimeout: TimeAmount,
        headerTimeout: TimeAmount,
        headerTimeoutDescription: String,
        headerTimedOut: @escaping (NIODeadline) -> Void
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.headerTimedOut = headerTimedOut
        let rejection = Rejection(.requestTimeout, headerTimeoutDescription)
        self.headerTimeoutResponse = ErrorResponse.rawHTTP1(rejection)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(.now() + idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.now() + idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .awaitingFirstByte {
            phase = .receivingHead
            headStarted = .now()
            arm(headStarted + headerTimeout)
        }
        context.fireChannelRead(data)
    }

    /// The proxy parsed a request head: its own timers take over.
    func headReceived() {
        phase = .exchange
    }

    /// The exchange is over and the connection is kept alive for the next request.
    func exchangeFinished() {
        phase = .awaitingFirstByte
        arm(.now() + idleTimeout)
    }

    /// Sets the deadline; reschedules only when the pending timer would fire too late.
    private func arm(_ newDeadline: NIODeadline) {
        deadline = newDeadline
        if let timerFiresAt, timerFiresAt <= newDeadline { return }
        cancelTimer()
        guard let context else { return }
        timerFiresAt = newDeadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: newDeadline) { [weak self] in
            self?.fire()
        }
    }

    private func fire() {
        timer = nil
        timerFiresAt = nil
        guard let context, phase != .exchange else { return }
        if NIODeadline.now() < deadline {
            arm(deadline)
            return
        }
        switch phase {
        case .awaitingFirstByte:
            context.close(promise: nil)
        case .receivingHead:
            headerTimedOut(headStarted)
            context.writeAndFlush(NIOAny(IOData.byteBuffer(headerTimeoutResponse))).assumeIsolated().whenComplete { _ in
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
