import NIOCore
import NIOHTTP1

/// Turns a client connection's bytes into `HTTPServerRequestPart`s with
/// `HTTP1RequestParser`, in place of NIO's `ByteToMessageHandler<HTTPRequestDecoder>`.
///
/// It behaves as that decoder did for the proxy handler behind it: every part
/// the bytes read hold is delivered at once (the proxy handler queues a
/// pipelined request and pauses reads itself); a malformed request fires an
/// `HTTP1RequestError` and nothing after it is parsed (later bytes are
/// dropped, where NIO fired an error per read); after a `CONNECT` or an
/// upgrade request nothing is parsed and, on removal (`TunnelSplice`,
/// hibernation), bytes not parsed are dropped (NIO's `.dropBytes`); a
/// connection whose input ends inside a request fires a `.cutShort` error
/// before `channelInactive`, as llhttp's end-of-input check did.
///
/// What it saved (`benchmarks/README.md`, "Requests parsed by the gateway",
/// session 8; release builds, three A/B rounds): proxy CPU per request, (a)
/// `auth: none` 48.0 → 44.6 µs (−7.1%), (b) `auth: none` 52.2 → 49.6 µs
/// (−5.0%), (b) RS256 token route 56.9 → 52.8 µs (−7.2%); mallocs per
/// request unchanged (16.1–16.2).
///
/// A handler of its own rather than part of the proxy handler: the proxy
/// handler also serves HTTP/2 streams, which get parts from NIO's
/// HTTP/2-to-HTTP/1 codec, and hibernation and `TunnelSplice` remove the
/// decoder on its own.
final class HTTP1RequestDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTPServerRequestPart

    private var parser: HTTP1RequestParser
    /// Parts are being handed on (a close from behind may arrive meanwhile).
    private var delivering = false
    /// The channel went inactive while parts were being handed on: the rest is not.
    private var inputEnded = false

    init(maxHeadBytes: Int) {
        parser = HTTP1RequestParser(maxHeadBytes: maxHeadBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.receive(unwrapInboundIn(data))
        guard !delivering else { return }
        delivering = true
        defer { delivering = false }
        do {
            while !inputEnded, let part = try parser.next() {
                context.fireChannelRead(wrapInboundOut(part))
            }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        endOfInput(context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event as? ChannelEvent == .some(.inputClosed) { endOfInput(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func endOfInput(context: ChannelHandlerContext) {
        guard !inputEnded else { return }
        inputEnded = true
        // Closed from behind while parts were handed on: the proxy handler closed it itself.
        guard !delivering, let error = parser.endOfInput() else { return }
        context.fireErrorCaught(error)
    }
}
