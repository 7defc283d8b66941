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

/// The one handler of an upstream channel above TLS: bytes in, response
/// parts out to the current delegate (`UpstreamResponseParser`), request
/// parts in, bytes out (`UpstreamRequestEncoder`). It lets the delegate hold
/// reads back when the client cannot keep up, and is removed when its
/// connection becomes a WebSocket tunnel, passing on the bytes after the 101.
///
/// It replaced four handlers every read and write went through: NIO's
/// `HTTPRequestEncoder`, `ByteToMessageHandler<HTTPResponseDecoder>` (llhttp,
/// `HTTPHeaders` and a `NIOAny` per part), the read boundary that split each
/// read so that llhttp ran twice, and this handler's former self. It saved
/// 6–7 µs of proxy CPU per request, about 10% (two runs of 3 rounds against
/// main, medians: (a) `auth: none` 60.6 → 54.2 and 60.6 → 54.6 µs, (b)
/// token route 67.3 → 60.6 and 69.2 → 62.2; every round pair lower, ratios
/// 0.84–0.93): benchmarks/README.md, "Upstream codec of our own (session 7)".
final class UpstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let targetName: String
    var delegate: UpstreamConnectionDelegate?
    /// Called once when the channel closes, so the pool forgets the connection.
    var onClose: (() -> Void)?
    private var context: ChannelHandlerContext?
    private var parser = UpstreamResponseParser()
    private var encoder = UpstreamRequestEncoder()
    /// The CRLF after each chunk of a chunked request body, allocated once.
    private var chunkEnd = ByteBuffer()
    private var readsPaused = false
    private var readPending = false

    init(targetName: String) {
        self.targetName = targetName
    }

    /// Whether the pool may lend the connection again: the last response
    /// ended exactly where the bytes read so far end (the upstream sent
    /// nothing beyond it: a body longer than its `Content-Length`, a body on
    /// a 204, 304 or HEAD response, a second response; `ResponseDesyncTests`)
    /// and the connection still carries HTTP.
    var isReusable: Bool { !parser.isBusy && parser.bufferedBytes == 0 }

    /// Whether the response head just delivered lets the upstream keep the connection open.
    var responseKeepsAlive: Bool { parser.headKeepsAlive }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        chunkEnd = context.channel.allocator.buffer(staticString: "\r\n")
    }

    /// Leaving the pipeline for a tunnel: bytes the upstream sent after its 101 go on to the tunnel.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        if let tunnelBytes = parser.takeBufferedBytes() {
            context.fireChannelRead(wrapInboundOut(tunnelBytes))
            context.fireChannelReadComplete()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if parser.isUpgraded {
            // Between the 101 and the splice: kept for the tunnel.
            parser.receive(bytes)
            return
        }
        guard delegate != nil else {
            // An idle pooled connection must not receive anything: it is unusable now.
            context.close(promise: nil)
            return
        }
        parser.receive(bytes)
        do {
            while parser.isBusy, let delegate, let part = try parser.next() {
                delegate.upstreamDidReceive(part)
            }
        } catch {
            fail(.malformedResponse(target: targetName, reason: error.reason), context: context)
            return
        }
        if !parser.isBusy, parser.bufferedBytes > 0 {
            // Bytes beyond the response: the pool did not keep the connection.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let delegate = self.delegate
        self.delegate = nil
        if let end = parser.endOfInput() {
            // A body delimited by the close is complete.
            delegate?.upstreamDidReceive(end)
        } else {
            delegate?.upstreamDidFail(.connectionLost(target: targetName))
        }
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if Self.isTLSFailure(error) {
            // After the handshake, e.g. TLS 1.3 servers refuse a missing client certificate only now.
            fail(.tlsFailed(target: targetName, reason: TLSFailureReason.describe(error, host: targetName)), context: context)
        } else {
            fail(.connectionLost(target: targetName), context: context)
        }
    }

    private func fail(_ failure: UpstreamFailure, context: ChannelHandlerContext) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamDidFail(failure)
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

    /// Writes one part of the request (flushed by `flush()`); the response parser learns of each request's method.
    func write(_ part: HTTPClientRequestPart) {
        guard let context else { return }
        switch part {
        case .head(let head):
            parser.requestSent(UpstreamResponseParser.RequestKind(head.method))
            let bytes = encoder.encode(head, allocator: context.channel.allocator)
            context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
        case .body(let body):
            guard encoder.isChunked else {
                context.write(wrapOutboundOut(body), promise: nil)
                return
            }
            guard body.readableBytes > 0 else { return }
            let sizeLine = HTTP1Wire.chunkSizeLine(body.readableBytes, allocator: context.channel.allocator)
            context.write(wrapOutboundOut(.byteBuffer(sizeLine)), promise: nil)
            context.write(wrapOutboundOut(body), promise: nil)
            context.write(wrapOutboundOut(.byteBuffer(chunkEnd)), promise: nil)
        case .end(let trailers):
            if let bytes = encoder.encodeEnd(trailers, allocator: context.channel.allocator) {
                context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
            }
        }
    }

    func flush() {
        context?.flush()
    }
}
