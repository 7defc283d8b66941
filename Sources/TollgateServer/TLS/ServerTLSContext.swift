import NIOSSL
import Synchronization
import TollgateCore

/// The listener's TLS context, built from `server.tls` (certificate chain and
/// key from PEM, TLS 1.2 or newer, the ALPN protocols the listener serves) off
/// the event loops, and replaced whole by a reload. Each new connection reads
/// it once, under one short lock; requests never touch it.
final class ServerTLSContext: Sendable {
    private let current: Mutex<NIOSSLContext>

    init(_ config: TLSConfig) throws(TLSFileError) {
        current = Mutex(try Self.makeContext(config))
    }

    /// The context new connections handshake with.
    var context: NIOSSLContext { current.withLock { $0 } }

    /// Serves `context` to connections accepted from now on; open ones keep theirs.
    func replace(with context: NIOSSLContext) {
        current.withLock { $0 = context }
    }

    /// Reads the PEM files of `config` now and builds a server context from them.
    static func makeContext(_ config: TLSConfig) throws(TLSFileError) -> NIOSSLContext {
        let chain = try PEMFiles.certificates(config.certificate, setting: "server.tls.certificate")
        let key = try PEMFiles.privateKey(config.privateKey, setting: "server.tls.private_key")
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = SecureConnectionPipeline.applicationProtocols
        if let clientCA = config.clientCA {
            // RFC 8705: ask for a client certificate, verify one that is presented
            // against `client_ca` only, and let a client without one connect.
            let roots = try PEMFiles.certificates(clientCA, setting: "server.tls.client_ca")
            tls.certificateVerification = .optionalVerification
            tls.trustRoots = .certificates(roots)
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw PEMFiles.failure(
                config.privateKey, "server.tls.private_key",
                "it does not fit the certificate in '\(config.certificate.value)' (\(error))"
            )
        }
    }
}
