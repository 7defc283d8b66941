import NIOSSL
import TollgateCore

/// The client TLS contexts of one snapshot's upstreams: for each upstream with
/// an `https://` target, trust in the system roots plus its `ca_file`, and its
/// client certificate for mutual TLS. Built once per snapshot off the event
/// loops (loading the system trust store is expensive) and shared by every
/// loop's pool of that upstream.
struct UpstreamTLSContexts: Sendable {
    /// By upstream index; nil for an upstream without `https://` targets.
    private let contexts: [NIOSSLContext?]

    /// Reads every upstream's TLS files now.
    init(_ config: GatewayConfig) throws(TLSFileError) {
        var contexts: [NIOSSLContext?] = []
        for upstream in config.upstreams {
            contexts.append(try Self.makeContext(upstream))
        }
        self.contexts = contexts
    }

    subscript(upstream index: Int) -> NIOSSLContext? { contexts[index] }

    static func makeContext(_ upstream: UpstreamConfig) throws(TLSFileError) -> NIOSSLContext? {
        guard upstream.targets.contains(where: \.value.tls) else { return nil }
        let name = "upstream '\(upstream.name.value)'"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        tls.applicationProtocols = ["http/1.1"]
        if let caFile = upstream.caFile {
            tls.additionalTrustRoots = [.certificates(try PEMFiles.certificates(caFile, setting: "\(name) ca_file"))]
        }
        if let certificate = upstream.clientCertificate, let key = upstream.clientPrivateKey {
            let chain = try PEMFiles.certificates(certificate, setting: "\(name) client_certificate")
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(try PEMFiles.privateKey(key, setting: "\(name) client_private_key"))
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            if let certificate = upstream.clientCertificate, let key = upstream.clientPrivateKey {
                throw PEMFiles.failure(
                    key, "\(name) client_private_key", "it does not fit the certificate in '\(certificate.value)' (\(error))"
                )
            }
            throw TLSFileError(
                setting: name, path: upstream.caFile?.value ?? "the system trust store",
                location: upstream.name.location, reason: "no TLS context can be built (\(error))"
            )
        }
    }
}
