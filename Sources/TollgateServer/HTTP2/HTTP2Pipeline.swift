import NIOCore
import NIOHTTP1
import NIOHTTP2
import TollgateCore

/// Assembles a client connection's HTTP/2 pipeline, once the protocol is known
/// (prior knowledge on the cleartext listener, or ALPN `h2` after TLS): the
/// GOAWAY closer → NIO's HTTP/2 handler with the flood limits of `limits:` → the connection
/// manager (idle GOAWAY, graceful GOAWAY on drain). Each stream gets the
/// `host`/`:authority` check, NIO's HTTP/2-to-HTTP/1 codec and the same proxy handler as an HTTP/1.1
/// connection, so a stream meets exactly the checks, error bodies and
/// upstream pool of an HTTP/1.1 request.
enum HTTP2Pipeline {
    static func configure(_ channel: Channel, loop: NIOLoopBound<LoopContext>, scheme: String) throws {
        let config = loop.value.snapshot.config
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: TimeAmount(config.limits.idleTimeout),
                maxAge: nil,
                maxGraceTime: TimeAmount(config.server.drainTimeout),
                keepalive: nil
            )
        )
        let http2 = NIOHTTP2Handler(
            mode: .server,
            eventLoop: channel.eventLoop,
            connectionConfiguration: connectionConfiguration(config.limits),
            streamConfiguration: streamConfiguration(config.limits),
            streamDelegate: manager.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(StreamAuthorityCheck())
                try sync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try sync.addHandler(HTTP1ProxyHandler(loop: loop, timers: nil, scheme: scheme, output: .parts))
            }
        }
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(GoAwayCloser())
        try sync.addHandler(http2)
        try sync.addHandler(manager)
        // The channel is already active when the protocol becomes known, so the
        // manager's channelActive (which starts its idle timer) has passed it by.
        if channel.isActive {
            let context = try sync.context(handler: manager)
            manager.channelActive(context: context)
        }
    }

    /// SETTINGS and the connection-wide flood limits.
    static func connectionConfiguration(_ limits: LimitsConfig) -> NIOHTTP2Handler.ConnectionConfiguration {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: limits.http2MaxConcurrentStreams),
            // The same backstop as the HTTP/1.1 decoder's: heads up to it get the
            // proxy's exact 414/431; larger header blocks end the connection.
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maxHeaderBytes + limits.maxRequestLineBytes),
        ]
        connection.maximumSequentialContinuationFrames = limits.http2MaxContinuationFrames
        connection.maximumBufferedControlFrames = limits.http2MaxBufferedControlFrames
        connection.controlFrameRateLimit.maximumCount = limits.http2MaxControlFrames
        connection.controlFrameRateLimit.windowLength = TimeAmount(limits.http2FloodWindow)
        return connection
    }

    /// The per-stream limits: rapid reset is counted across the connection's streams.
    static func streamConfiguration(_ limits: LimitsConfig) -> NIOHTTP2Handler.StreamConfiguration {
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.streamResetFrameRateLimit.maximumCount = limits.http2MaxResetFrames
        stream.streamResetFrameRateLimit.windowLength = TimeAmount(limits.http2FloodWindow)
        return stream
    }
}
