import NIOCore
import NIOSSL
import NIOTLS
import TollgateCore

/// Assembles a TLS client connection's pipeline: the TLS handler, then, once
/// the handshake has picked an application protocol by ALPN, the pipeline of
/// that protocol. The one place that maps a negotiated protocol to a pipeline.
enum SecureConnectionPipeline {
    /// The protocols the listener offers in ALPN, most preferred first.
    static let applicationProtocols = ["h2", "http/1.1"]

    /// A client that has not finished its handshake within `limits.header_timeout` is closed.
    static func configure(_ channel: Channel, tls: NIOSSLContext, loop: NIOLoopBound<LoopContext>) throws {
        let handshakeTimeout = TimeAmount(loop.value.snapshot.config.limits.headerTimeout)
        let deadline = channel.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) {
            channel.close(promise: nil)
        }
        channel.closeFuture.assumeIsolated().whenComplete { _ in deadline.cancel() }
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(NIOSSLServerHandler(context: tls))
        try sync.addHandler(ApplicationProtocolNegotiationHandler { result, channel in
            deadline.cancel()
            return channel.eventLoop.makeCompletedFuture {
                try configureApplication(result, on: channel, loop: loop)
            }
        })
    }

    /// The pipeline for the protocol the handshake negotiated; no ALPN means HTTP/1.1.
    private static func configureApplication(_ result: ALPNResult, on channel: Channel, loop: NIOLoopBound<LoopContext>) throws {
        switch result {
        case .negotiated("h2"):
            try HTTP2Pipeline.configure(channel, loop: loop, scheme: "https")
        case .negotiated("http/1.1"), .fallback:
            try HTTP1Pipeline.configure(channel, loop: loop, scheme: "https")
        case .negotiated(let other):
            throw UnservedApplicationProtocol(name: other)
        }
    }
}

/// The handshake negotiated a protocol the listener has no pipeline for (it
/// never offers one, so only a broken TLS stack gets here); the connection closes.
struct UnservedApplicationProtocol: Error, CustomStringConvertible {
    var name: String
    var description: String { "ALPN negotiated '\(name)', which this listener does not serve" }
}
