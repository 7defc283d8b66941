import NIOCore

/// One end of a byte tunnel between a client connection and an upstream
/// connection on the same event loop (an admitted WebSocket after its 101):
/// what one side reads, the other writes. A side whose partner cannot keep
/// up stops reading until the partner's channel is writable again, so a slow
/// reader throttles its sender instead of growing buffers. When either side
/// closes, the other is flushed and closed.
final class TunnelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: TunnelHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false
    private let activity: TunnelActivity

    private init(activity: TunnelActivity) {
        self.activity = activity
    }

    /// Two joined ends sharing one idle clock: the first for the client channel, the second for the upstream's.
    static func pair(activity: TunnelActivity) -> (client: TunnelHandler, upstream: TunnelHandler) {
        let client = TunnelHandler(activity: activity)
        let upstream = TunnelHandler(activity: activity)
        client.partner = upstream
        upstream.partner = client
        return (client, upstream)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Starts reading: the HTTP handlers this end replaced may have held a read back.
    func start() {
        context?.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity.touch()
        partner?.send(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disband()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner, let partnerContext = partner.context, !partnerContext.channel.isWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Closes both channels (the idle timeout, or one side gone).
    func close() {
        let partner = self.partner
        disband()
        context?.close(promise: nil)
        partner?.context?.close(promise: nil)
    }

    private func send(_ data: NIOAny) {
        context?.write(data, promise: nil)
    }

    private func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    /// Breaks the pair (and its reference cycle), flushing and closing the other side.
    private func disband() {
        activity.cancel()
        guard let partner else { return }
        self.partner = nil
        partner.partner = nil
        if let partnerContext = partner.context {
            partnerContext.flush()
            partnerContext.close(promise: nil)
        }
    }
}

/// The idle clock of one tunnel: any byte in either direction resets it, and
/// `idle_timeout` without one closes both sides. One timer per tunnel,
/// re-checked when it fires, so a busy tunnel costs a clock read per read.
final class TunnelActivity {
    private let idleTimeout: TimeAmount
    private let eventLoop: EventLoop
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var onIdle: (() -> Void)?

    init(idleTimeout: TimeAmount, eventLoop: EventLoop) {
        self.idleTimeout = idleTimeout
        self.eventLoop = eventLoop
    }

    /// Starts the clock; `onIdle` runs once if the tunnel stays idle for `idleTimeout`.
    func start(onIdle: @escaping () -> Void) {
        self.onIdle = onIdle
        touch()
        arm(lastActivity + idleTimeout)
    }

    func touch() {
        lastActivity = .now()
    }

    func cancel() {
        timer?.cancel()
        timer = nil
        onIdle = nil
    }

    private func arm(_ deadline: NIODeadline) {
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.fire()
        }
    }

    private func fire() {
        timer = nil
        let deadline = lastActivity + idleTimeout
        if NIODeadline.now() < deadline {
            arm(deadline)
            return
        }
        let onIdle = self.onIdle
        self.onIdle = nil
        onIdle?()
    }
}
