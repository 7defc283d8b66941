import NIOCore

/// Sits in front of an upstream connection's response decoder so that the
/// connection is reused only when the upstream sent nothing beyond a response.
///
/// NIO's decoder (llhttp) parses everything it is given: bytes after a
/// response's end (a body longer than its `Content-Length`, a body on a 204,
/// 304 or HEAD response) are parsed as the start of the next response. A
/// complete one was delivered to whichever request the pooled connection had
/// been handed to in the meantime, even another client's; a partial head
/// waited silently in the decoder and was prefixed to the next client's
/// response (tested: the first response's bytes reached the second client's
/// headers, `ResponseDesyncTests`).
///
/// So each read is handed to the decoder in two parts, its last byte alone:
/// a response whose end is decoded while `atLastByte` is true ended exactly
/// where the bytes read so far end; any other end leaves bytes behind, and
/// `UpstreamConnectionHandler` marks the connection not reusable. Bytes that
/// arrive while the connection waits in the pool close it at once (a partial
/// head gives the decoder nothing to report).
final class UpstreamReadBoundary: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The decoder is being given the last byte read so far.
    private(set) var atLastByte = false
    /// The connection waits in the pool: any byte read now is the upstream's own, and makes it unusable.
    var isIdle = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isIdle else {
            context.close(promise: nil)
            return
        }
        var buffer = unwrapInboundIn(data)
        if buffer.readableBytes > 1, let front = buffer.readSlice(length: buffer.readableBytes - 1) {
            atLastByte = false
            context.fireChannelRead(wrapInboundOut(front))
        }
        atLastByte = true
        context.fireChannelRead(wrapInboundOut(buffer))
        atLastByte = false
    }
}
