import Yams

/// `server:` and `limits:`.
extension ConfigReader {
    /// The server section; nil only when it is not a mapping.
    mutating func readServer(_ node: Node, anchor: SourceLocation) -> ServerConfig? {
        let keys = ["listen", "tls", "admin", "workers", "drain_timeout", "public_origin"]
        guard let map = mapping(node, path: "server", anchor: anchor, keys: keys) else { return nil }
        var server = ServerConfig(listen: [])
        if let addresses = required("listen", in: map).flatMap({ readListen($0, map.path("listen")) }) {
            server.listen = addresses
        }
        if let tls = map["tls"] { server.tls = readTLS(tls, anchor: map.keyLocation("tls")) }
        if let admin = map["admin"] { server.admin = address(admin, map.path("admin")) }
        if let workers = map["workers"], let count = readWorkers(workers, map.path("workers")) { server.workers = count }
        if let drain = map["drain_timeout"], let value = duration(drain, map.path("drain_timeout"), allowZero: true) {
            server.drainTimeout = value
        }
        if let node = map["public_origin"], let text = string(node, map.path("public_origin")) {
            if let origin = DPoPTargetURI.origin(text.value) {
                server.publicOrigin = Located(origin, at: text.location)
            } else {
                error("\(map.path("public_origin")): '\(text.value)' is not an origin (http:// or https://, a host, an optional port, no path)", at: text.location)
            }
        }
        return server
    }

    /// One `host:port`, or a non-empty list of them.
    private mutating func readListen(_ node: Node, _ path: String) -> [Located<HostPort>]? {
        if node.scalar != nil, !node.isNull { return address(node, path).map { [$0] } }
        guard let items = node.sequence.map(Array.init) else {
            error("\(path): expected host:port or a list of them, found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard !items.isEmpty else {
            error("\(path): must name at least one host:port", at: node.location)
            return nil
        }
        var addresses: [Located<HostPort>] = []
        for (index, item) in items.enumerated() {
            guard let address = address(item, "\(path)[\(index)]") else { continue }
            if address.value.port != 0, let first = addresses.first(where: { $0.value == address.value }) {
                error("\(path)[\(index)]: \(address.value) is already listed at line \(first.location.line)", at: address.location)
                continue
            }
            addresses.append(address)
        }
        return addresses.count == items.count ? addresses : nil
    }

    private mutating func readTLS(_ node: Node, anchor: SourceLocation) -> TLSConfig? {
        guard let map = mapping(node, path: "server.tls", anchor: anchor, keys: ["certificate", "private_key", "client_ca"]) else { return nil }
        let certificate = required("certificate", in: map).flatMap { string($0, map.path("certificate")) }
        let privateKey = required("private_key", in: map).flatMap { string($0, map.path("private_key")) }
        let clientCA = map["client_ca"].flatMap { string($0, map.path("client_ca")) }
        guard let certificate, let privateKey else { return nil }
        return TLSConfig(certificate: certificate, privateKey: privateKey, clientCA: clientCA)
    }

    private mutating func readWorkers(_ node: Node, _ path: String) -> ServerConfig.Workers? {
        if node.scalar?.string == "auto" { return .auto }
        guard let text = node.scalar?.string, !node.isNull, text.allSatisfy(\.isASCIIDigit),
              let count = Int(text), count > 0
        else {
            error("\(path): expected 'auto' or a positive integer, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return .count(count)
    }

    mutating func readLimits(_ node: Node, anchor: SourceLocation) -> LimitsConfig {
        let keys = ["max_header_bytes", "max_body_bytes", "max_request_line_bytes", "idle_timeout",
                    "request_timeout", "header_timeout", "max_connections", "http2_max_concurrent_streams",
                    "http2_max_reset_frames", "http2_max_control_frames", "http2_flood_window",
                    "http2_max_continuation_frames", "http2_max_buffered_control_frames"]
        var limits = LimitsConfig()
        guard let map = mapping(node, path: "limits", anchor: anchor, keys: keys) else { return limits }
        let sizes: [(String, WritableKeyPath<LimitsConfig, Int>)] = [
            ("max_header_bytes", \.maxHeaderBytes), ("max_body_bytes", \.maxBodyBytes),
            ("max_request_line_bytes", \.maxRequestLineBytes),
        ]
        for (key, field) in sizes {
            if let value = map[key].flatMap({ size($0, map.path(key)) }) { limits[keyPath: field] = value }
        }
        let durations: [(String, WritableKeyPath<LimitsConfig, Duration>)] = [
            ("idle_timeout", \.idleTimeout), ("request_timeout", \.requestTimeout), ("header_timeout", \.headerTimeout),
            ("http2_flood_window", \.http2FloodWindow),
        ]
        for (key, field) in durations {
            if let value = map[key].flatMap({ duration($0, map.path(key)) }) { limits[keyPath: field] = value }
        }
        // Counts stay within 31 bits, as HTTP/2 SETTINGS values must.
        let counts: [(String, WritableKeyPath<LimitsConfig, Int>)] = [
            ("max_connections", \.maxConnections), ("http2_max_concurrent_streams", \.http2MaxConcurrentStreams),
            ("http2_max_reset_frames", \.http2MaxResetFrames), ("http2_max_control_frames", \.http2MaxControlFrames),
            ("http2_max_continuation_frames", \.http2MaxContinuationFrames),
            ("http2_max_buffered_control_frames", \.http2MaxBufferedControlFrames),
        ]
        for (key, field) in counts {
            guard let node = map[key], let value = integer(node, map.path(key), minimum: 1) else { continue }
            guard value <= Int(Int32.max) else {
                error("\(map.path(key)): must be at most \(Int32.max), found \(value)", at: node.location)
                continue
            }
            limits[keyPath: field] = value
        }
        return limits
    }
}
