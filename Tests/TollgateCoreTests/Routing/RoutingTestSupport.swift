@testable import TollgateCore

/// A route entry from plain strings, for tests.
func entry(_ pattern: String, host: String? = nil, methods: [String]? = nil, stripPrefix: String? = nil) throws -> RouteTable.Entry {
    RouteTable.Entry(
        pattern: try RoutePattern(parsing: pattern),
        host: try host.map { text throws in try HostPattern(parsing: text) },
        methods: methods,
        stripPrefix: stripPrefix
    )
}

/// A table of routes without host or method restrictions, by pattern.
func table(_ patterns: [String]) throws -> RouteTable {
    try RouteTable(patterns.map { try entry($0) })
}

extension RouteTable {
    /// The lookup for a raw request target (which must pass `PathGuard`).
    func lookup(_ target: String, host: String? = nil, method: String = "GET") throws -> RouteLookup {
        lookup(host: host, target: try PathGuard.check(target), method: method)
    }

    /// The chosen entry's index, or nil for a 404 or 405.
    func route(_ target: String, host: String? = nil, method: String = "GET") throws -> Int? {
        guard case .route(let index) = try lookup(target, host: host, method: method).match else { return nil }
        return index
    }
}
