import NIOCore
import NIOSSL
import TollgateCore

/// The client certificate a TLS connection presented (RFC 8705), as the
/// thumbprint a certificate-bound token is checked against. Looked up once per
/// HTTP/1.1 connection or HTTP/2 stream, on the channel's own loop.
enum ClientCertificate {
    /// The `x5t#S256` of the peer certificate of `channel`'s TLS connection (an
    /// HTTP/2 stream asks its parent); nil without TLS or without a certificate.
    static func thumbprint(of channel: Channel) -> String? {
        // An HTTP/1.1 connection holds the TLS handler itself; an HTTP/2 stream's parent does.
        let handler = (try? channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self))
            ?? (try? channel.parent?.pipeline.syncOperations.handler(type: NIOSSLHandler.self))
        guard let handler,
              let certificate = handler.peerCertificate,
              let der = try? certificate.toDERBytes()
        else { return nil }
        return CertificateThumbprint.sha256(der: der)
    }
}
