import NIOCore
import NIOHTTP1
import TollgateCore

/// Assembles a client connection's HTTP/1.1 pipeline:
/// timers → NIO's request decoder → the proxy handler.
///
/// Of what `configureHTTPServerPipeline` added, only the decoder is left, with
/// the same limits and leftover-bytes strategy (`.dropBytes`). The proxy
/// handler does the rest: it writes responses as bytes itself
/// (`HTTP1ResponseWriter`, in place of NIO's response encoder; the method of
/// the request it answers, which the decoder fed that encoder for HEAD and
/// CONNECT, it knows), queues a pipelined request and handles the drain (the
/// pipelining assistant), and writes only headers parsed by llhttp from a peer
/// or built from values checked for control characters (the outbound header
/// validator). The profile put the last two at 6% and 2% of the proxy's CPU
/// (`benchmarks/README.md`, "Profile").
enum HTTP1Pipeline {
    static func configure(_ channel: Channel, loop: NIOLoopBound<LoopContext>, scheme: String) throws {
        let timers = makeTimers(loop, scheme: scheme)
        try channel.pipeline.syncOperations.addHandler(timers)
        try addHandlers(after: timers, timers: timers, to: channel, loop: loop, scheme: scheme)
    }

    /// The connection's idle and header timers, the first handler of the pipeline.
    static func makeTimers(_ loop: NIOLoopBound<LoopContext>, scheme: String) -> ConnectionTimerHandler {
        let limits = loop.value.snapshot.config.limits
        return ConnectionTimerHandler(
            loop: loop.value,
            idleTimeout: TimeAmount(limits.idleTimeout),
            headerTimeout: TimeAmount(limits.headerTimeout),
            scheme: scheme
        )
    }

    /// The request decoder and the proxy handler, right behind `predecessor` (the
    /// timers, or the protocol detector that then leaves): at first, and again
    /// each time a hibernated connection wakes up (`ConnectionTimerHandler`).
    static func addHandlers(
        after predecessor: ChannelHandler,
        timers: ConnectionTimerHandler,
        to channel: Channel,
        loop: NIOLoopBound<LoopContext>,
        scheme: String
    ) throws {
        let limits = loop.value.snapshot.config.limits
        // The decoder's own bound is a backstop: the proxy handler checks the
        // request line (414) and the head (431) exactly once the head is parsed.
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes + limits.maxRequestLineBytes
        decoderLimits.maxHeaderListSize = limits.maxHeaderBytes + limits.maxRequestLineBytes
        let sync = channel.pipeline.syncOperations
        let proxy = HTTP1ProxyHandler(loop: loop, timers: timers, scheme: scheme, output: .bytes)
        let decoder = HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits)
        // By position, not at the end: while a hibernating connection's old
        // decoder finishes leaving (NIO removes it on the next tick), the
        // new handlers must sit in front of it.
        try sync.addHandler(proxy, position: .after(predecessor))
        try sync.addHandler(ByteToMessageHandler(decoder), position: .before(proxy))
    }
}
