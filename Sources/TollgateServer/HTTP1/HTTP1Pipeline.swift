import NIOCore
import NIOHTTP1
import TollgateCore

/// Assembles a client connection's HTTP/1.1 pipeline:
/// timers → `HTTP1RequestDecoder` → the proxy handler.
///
/// Of what `configureHTTPServerPipeline` added, nothing is left: our request
/// decoder replaced NIO's (same head bound, bytes after an upgrade dropped as
/// with `.dropBytes`; `HTTP1RequestParser`). The proxy
/// handler does the rest: it writes responses as bytes itself
/// (`HTTP1ResponseWriter`, in place of NIO's response encoder; the method of
/// the request it answers, which the decoder fed that encoder for HEAD and
/// CONNECT, it knows), queues a pipelined request and handles the drain (the
/// pipelining assistant), and writes only headers parsed by our parsers from a peer
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
        // The decoder's own bound is a backstop (NIO's decoder had the same): the
        // proxy handler checks the request line (414) and the head (431) exactly
        // once the head is parsed.
        let sync = channel.pipeline.syncOperations
        let proxy = HTTP1ProxyHandler(loop: loop, timers: timers, scheme: scheme, output: .bytes)
        let decoder = HTTP1RequestDecoder(maxHeadBytes: limits.maxHeaderBytes + limits.maxRequestLineBytes)
        // By position, not at the end: the new handlers must sit right behind the timers.
        try sync.addHandler(proxy, position: .after(predecessor))
        try sync.addHandler(decoder, position: .before(proxy))
    }
}
