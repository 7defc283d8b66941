import NIOSSL

extension TestCertificates {
    /// A server context for a test server (an upstream, a JWKS server) presenting `pair`;
    /// with `requireClientCertificate`, only clients with a certificate from the test CA get through.
    func serverContext(_ pair: Pair, requireClientCertificate: Bool = false) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pair.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pair.privateKey, format: .pem))
        )
        if requireClientCertificate {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
