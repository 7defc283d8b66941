import NIOCore
import TollgateCore

/// The first handler of a client connection, in front of the HTTP decoder:
/// it closes a connection that stays idle between requests for `idle_timeout`,
/// and answers 408 when a request head has started but is not complete within
/// `header_timeout` (slowloris). The proxy handler tells it when a head
/// arrived and when an exchange finished.
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
    private var phase = Phase.awaitingFirstByte
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(idleTimeout: TimeAmount, headerTimeout: TimeAmount, headerTimeoutDescription: String) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        let rejection = Rejection(.requestTimeout, headerTimeoutDescription)
        self.headerTimeoutResponse = ErrorResponse.rawHTTP1(rejection)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { armIdleTimer() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        armIdleTimer()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .awaitingFirstByte {
            phase = .receivingHead
            schedule(after: headerTimeout) { context in
                context.writeAndFlush(NIOAny(IOData.byteBuffer(self.headerTimeoutResponse))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        }
        context.fireChannelRead(data)
    }

    /// The proxy parsed a request head: its own timers take over.
    func headReceived() {
        phase = .exchange
        timer?.cancel()
        timer = nil
    }

    /// The exchange is over and the connection is kept alive for the next request.
    func exchangeFinished() {
        phase = .awaitingFirstByte
        armIdleTimer()
    }

    private func armIdleTimer() {
        schedule(after: idleTimeout) { context in context.close(promise: nil) }
    }

    private func schedule(after delay: TimeAmount, _ action: @escaping (ChannelHandlerContext) -> Void) {
        timer?.cancel()
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, let context = self.context else { return }
            self.timer = nil
            action(context)
        }
    }
}
