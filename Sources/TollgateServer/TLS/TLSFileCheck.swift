import TollgateCore

/// Reads every TLS file a configuration names, the way the gateway will use
/// it: for `tollgate check`, which reports them all, and for a start or reload,
/// which refuses a configuration whose issuer CA files are unusable (they are
/// otherwise read only when a fetch happens).
public enum TLSFileCheck {
    /// Every unusable TLS file of `config`: the listener's certificate and key,
    /// each upstream's CA file and client certificate, each issuer's CA file.
    public static func problems(in config: GatewayConfig) -> [TLSFileError] {
        var problems: [TLSFileError] = []
        if let tls = config.server.tls {
            do { _ = try ServerTLSContext.makeContext(tls) } catch { problems.append(error) }
        }
        for upstream in config.upstreams {
            do { _ = try UpstreamTLSContexts.makeContext(upstream) } catch { problems.append(error) }
        }
        for issuer in config.issuers {
            do { try checkCAFile(of: issuer) } catch { problems.append(error) }
        }
        return problems.sorted { $0.location < $1.location }
    }

    /// Throws for the first issuer whose `ca_file` holds no usable certificate.
    static func checkIssuerCAFiles(_ config: GatewayConfig) throws(TLSFileError) {
        for issuer in config.issuers { try checkCAFile(of: issuer) }
    }

    private static func checkCAFile(of issuer: IssuerConfig) throws(TLSFileError) {
        guard let caFile = issuer.caFile else { return }
        _ = try PEMFiles.certificates(caFile, setting: "issuer '\(issuer.name.value)' ca_file")
    }
}
