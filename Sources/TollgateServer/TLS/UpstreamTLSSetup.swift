import NIOCore
import NIOSSL

/// How a connection to an `https://` target starts: the TLS client handler
/// with the target's host name as SNI and as the name its certificate must
/// carry (an IP literal is never sent as SNI; the certificate's IP address
/// entries are checked instead), then the handler that waits for the handshake.
struct UpstreamTLSSetup {
    let context: NIOSSLContext
    let host: String

    /// Adds the TLS handlers in front of the HTTP/1.1 client handlers; the
    /// handshake must be done within `timeout` of this.
    func addHandlers(to channel: Channel, timeout: Duration) throws {
        let serverName = Self.isIPLiteral(host) ? nil : host
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
        try sync.addHandler(UpstreamHandshakeHandler(promise: channel.eventLoop.makePromise(), timeout: timeout, host: host))
    }

    /// Succeeds with `channel` once its TLS handshake is done and the upstream verified.
    static func handshakeDone(on channel: Channel) -> EventLoopFuture<Channel> {
        guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandshakeHandler.self) else {
            return channel.eventLoop.makeFailedFuture(
                UpstreamHandshakeHandler.Failure(description: "the connection closed during the TLS handshake")
            )
        }
        return handler.handshakeDone.map { channel }
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
