import Yams

/// The top level: which sections exist and which are required.
extension ConfigReader {
    private static let sections = [
        "server", "limits", "issuers", "scopes", "clients", "cors", "upstreams", "forward", "routes", "access_log", "cache",
    ]

    /// Reads every section, so that each one's problems are reported, and assembles
    /// what could be read; nil when the file is empty or not a mapping. The result is
    /// usable only when no error was recorded: parts with errors are left at their
    /// defaults or left out.
    mutating func readConfig(root: Node?) -> GatewayConfig? {
        guard let root, !root.isNull else {
            error("the file is empty: missing required key 'server'", at: SourceLocation(line: 1, column: 1))
            return nil
        }
        guard let map = mapping(root, path: "", anchor: root.location, keys: Self.sections) else { return nil }
        let server = required("server", in: map).flatMap { readServer($0, anchor: map.keyLocation("server")) }
        var config = GatewayConfig(server: server ?? ServerConfig(listen: []))
        if let node = map["limits"] { config.limits = readLimits(node, anchor: map.keyLocation("limits")) }
        if let node = map["issuers"] { config.issuers = readIssuers(node) }
        if let node = map["scopes"] { config.scopes = readScopes(node, anchor: map.keyLocation("scopes")) }
        if let node = map["clients"] { config.clients = readClients(node) }
        if let node = map["cors"] { config.cors = readCORS(node, path: "cors", anchor: map.keyLocation("cors")) }
        if let node = map["upstreams"] { config.upstreams = readUpstreams(node) }
        if let node = map["forward"] { config.forward = readForward(node, anchor: map.keyLocation("forward")) }
        if let node = map["routes"] { config.routes = readRoutes(node) }
        if let node = map["access_log"] { config.accessLog = readAccessLog(node, anchor: map.keyLocation("access_log")) }
        if let node = map["cache"] { config.cache = readCache(node, anchor: map.keyLocation("cache")) }
        if map["cors"] == nil {
            warning("no cors section: no cross-origin browser request will be allowed", at: .unknown)
        }
        return config
    }
}
