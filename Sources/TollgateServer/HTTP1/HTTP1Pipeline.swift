import NIOCore
import NIOHTTP1
import TollgateCore

/// Assembles a client connection's HTTP/1.1 pipeline:
/// timers → NIO's decoder/encoder → the proxy handler.
///
/// Two of NIO's optional handlers are left out, as the proxy handler already
/// does their work: the pipelining assistant (it queues a pipelined request
/// and handles the drain itself) and the outbound header validator (every
/// header it writes was parsed by llhttp from a peer or built from values
/// checked for control characters). The profile put them at 6% and 2% of the
/// proxy's CPU (`benchmarks/README.md`, "Profile").
enum HTTP1Pipeline {
    static func configure(_ channel: Channel, loop: NIOLoopBound<LoopContext>, scheme: String) throws {
        let timers = makeTimers(loop)
        try channel.pipeline.syncOperations.addHandler(timers)
        try addHandlers(behind: timers, to: channel, loop: loop, scheme: scheme)
    }

    /// The connection's idle and header timers, the first handler of the pipeline.
    /// A 408 they answer is counted and logged like any other answer.
    static func makeTimers(_ loop: NIOLoopBound<LoopContext>) -> ConnectionTimerHandler {
        let limits = loop.value.snapshot.config.limits
        return ConnectionTimerHandler(
            idleTimeout: TimeAmount(limits.idleTimeout),
            headerTimeout: TimeAmount(limits.headerTimeout),
            headerTimeoutDescription: "the request head was not received within \(limits.headerTimeout.configText)"
        ) { headStarted in
            var record = ExchangeRecord(started: headStarted, headParsed: false)
            record.status = 408
            let unparsed = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
            let requestID = loop.value.requestIDs.generate()
            loop.value.observe(record, AccessLogLine.Request(head: unparsed, requestID: requestID, bytesIn: 0))
        }
    }

    /// Everything after the timers: the codec and the proxy handler, added last.
    static func addHandlers(
        behind timers: ConnectionTimerHandler,
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
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: false,
            withOutboundHeaderValidation: false,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: decoderLimits
        )
        try sync.addHandler(HTTP1ProxyHandler(loop: loop, timers: timers, scheme: scheme))
    }
}
