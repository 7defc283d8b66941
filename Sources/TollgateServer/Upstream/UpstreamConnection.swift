import NIOCore
import NIOHTTP1
import NIOSSL

/// What an upstream connection reports to the client-side request that is using it.
/// Both live on the same event loop, so calls are direct.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamDidReceive(_ part: HTTPClientResponsePart)
    /// The end of one read burst: the time to flush what was passed on.
    func upstreamReadComplete()
    func upstreamDidFail(_ failure: UpstreamFailure)
    func upstreamWritabilityChanged(isWritable: Bool)
}

/// One kept-alive HTTP/1.1 connection to an upstream target, owned by the pool
/// of its event loop and lent to one request at a time.
final class UpstreamConnection {
    let channel: Channel
    let targetIndex: Int
    let handler: UpstreamConnectionHandler
    /// How many responses this connection has carried; a reused connection may be stale.
    var responsesCompleted = 0

    init(channel: Channel, targetIndex: Int, handler: UpstreamConnectionHandler) {
        self.channel = channel
        self.targetIndex = targetIndex
        self.handler = handler
    }

    var isReused: Bool { responsesCompleted > 0 }
}

/// The last handler of an upstream channel: hands response parts to the current
/// delegate and lets it hold reads back when the client cannot keep up
/// (removed when its connection becomes a WebSocket tunnel).
final class UpstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let targetName: String
    var delegate: UpstreamConnectionDelegate?
    /// False once a response ended before the bytes read so far did: the
    /// upstream sent more than the response, and the pool must not reuse the
    /// connection (see `UpstreamReadBoundary`).
    private(set) var endedOnReadBoundary = true
    let readBoundary: UpstreamReadBoundary
    /// Called once when the channel closes, so the pool forgets the connection.
    var onClose: (() -> Void)?
    private var context: ChannelHandlerContext?
    private var readsPaused = false
    private var readPending = false

    init(targetName: String, readBoundary: UpstreamReadBoundary) {
        self.targetName = targetName
        self.readBoundary = readBoundary
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let delegate else {
            // An idle pooled connection must not receive anything: it is unusable now.
            context.close(promise: nil)
            return
        }
        let part = unwrapInboundIn(data)
        if case .end = part, !readBoundary.atLastByte { endedOnReadBoundary = false }
        delegate.upstreamDidReceive(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamDidFail(.connectionLost(target: targetName))
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let delegate = self.delegate
        self.delegate = nil
        if error is HTTPParserError {
            delegate?.upstreamDidFail(.malformedResponse(target: targetName))
        } else if Self.isTLSFailure(error) {
            // After the handshake, e.g. TLS 1.3 servers refuse a missing client certificate only now.
            delegate?.upstreamDidFail(.tlsFailed(target: targetName, reason: TLSFailureReason.describe(error, host: targetName)))
        } else {
            delegate?.upstreamDidFail(.connectionLost(target: targetName))
        }
        context.close(promise: nil)
    }

    /// A TLS error other than the peer closing without `close_notify` (which is a lost connection).
    private static func isTLSFailure(_ error: Error) -> Bool {
        if let error = error as? NIOSSLError {
            if case .uncleanShutdown = error { return false }
            return true
        }
        return error is BoringSSLError
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Holds back (or resumes) reading responses, for backpressure towards a slow client.
    func setReadsPaused(_ paused: Bool) {
        guard paused != readsPaused else { return }
        readsPaused = paused
        if !paused, readPending, let context {
            readPending = false
            context.read()
        }
    }

    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func close() {
        context?.close(promise: nil)
    }
}
