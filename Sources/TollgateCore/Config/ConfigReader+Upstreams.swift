import Yams

/// `upstreams:`: named pools of targets.
extension ConfigReader {
    private static let upstreamKeys = [
        "name", "targets", "balance", "connect_timeout", "timeout", "max_idle_connections", "max_connections",
        "host_header", "ca_file", "client_certificate", "client_private_key",
    ]

    /// Every entry with a name, even one with other errors, so that routes naming it
    /// are not reported as naming a missing upstream.
    mutating func readUpstreams(_ node: Node) -> [UpstreamConfig] {
        guard let items = sequence(node, path: "upstreams") else { return [] }
        return items.enumerated().compactMap { index, item in readUpstream(item, path: "upstreams[\(index)]") }
    }

    private mutating func readUpstream(_ node: Node, path: String) -> UpstreamConfig? {
        guard let map = mapping(node, path: path, anchor: node.location, keys: Self.upstreamKeys) else { return nil }
        let name = required("name", in: map).flatMap { string($0, map.path("name")) }
        let targets = required("targets", in: map).flatMap { readTargets($0, map.path("targets")) }
        var upstream = UpstreamConfig(name: name ?? Located(""), targets: targets ?? [])
        if let value = map["balance"].flatMap({ choice($0, map.path("balance"), [UpstreamConfig.Balance.roundRobin, .leastConnections]) }) {
            upstream.balance = value.value
        }
        if let value = map["connect_timeout"].flatMap({ duration($0, map.path("connect_timeout")) }) { upstream.connectTimeout = value }
        if let value = map["timeout"].flatMap({ duration($0, map.path("timeout")) }) { upstream.timeout = value }
        if let value = map["max_idle_connections"].flatMap({ integer($0, map.path("max_idle_connections"), minimum: 0) }) {
            upstream.maxIdleConnections = value
        }
        if let value = map["max_connections"].flatMap({ integer($0, map.path("max_connections"), minimum: 1) }) {
            upstream.maxConnections = value
        }
        if let value = map["host_header"].flatMap({ choice($0, map.path("host_header"), [UpstreamConfig.HostHeader.preserve, .target]) }) {
            upstream.hostHeader = value.value
        }
        readUpstreamTLS(map, into: &upstream)
        return name == nil ? nil : upstream
    }

    private mutating func readTargets(_ node: Node, _ path: String) -> [Located<UpstreamTarget>]? {
        guard let texts = strings(node, path, nonEmpty: "must list at least one target") else { return nil }
        var targets: [Located<UpstreamTarget>] = []
        for (index, text) in texts.enumerated() {
            do {
                let target = try UpstreamTarget(parsing: text.value)
                if let first = targets.first(where: { $0.value == target }) {
                    error("\(path)[\(index)]: \(target) is already listed at line \(first.location.line)", at: text.location)
                } else {
                    targets.append(Located(target, at: text.location))
                }
            } catch {
                self.error("\(path)[\(index)]: \(error)", at: text.location)
            }
        }
        return targets
    }

    /// `ca_file`, `client_certificate` and `client_private_key`: only with `https://` targets,
    /// and the certificate and its key together.
    private mutating func readUpstreamTLS(_ map: MappingNode, into upstream: inout UpstreamConfig) {
        upstream.caFile = map["ca_file"].flatMap { string($0, map.path("ca_file")) }
        upstream.clientCertificate = map["client_certificate"].flatMap { string($0, map.path("client_certificate")) }
        upstream.clientPrivateKey = map["client_private_key"].flatMap { string($0, map.path("client_private_key")) }
        let tlsKeys = ["ca_file", "client_certificate", "client_private_key"].filter { map[$0] != nil }
        if !upstream.targets.isEmpty, !upstream.targets.contains(where: \.value.tls) {
            for key in tlsKeys {
                error("\(map.path(key)): applies only to https:// targets, and this upstream has none", at: map.keyLocation(key))
            }
        }
        if (map["client_certificate"] == nil) != (map["client_private_key"] == nil) {
            error("\(map.path): client_certificate and client_private_key go together; give both or neither", at: map.location)
        }
    }
}
