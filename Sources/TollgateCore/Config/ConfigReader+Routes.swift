import Yams

/// `routes:`. Path patterns, hosts and references to other sections are checked
/// later by `ConfigValidator`, which sees the whole file.
extension ConfigReader {
    private static let routeKeys = [
        "name", "path", "methods", "host", "upstream", "auth", "scopes", "any_scopes", "issuers", "strip_prefix", "cors",
    ]

    mutating func readRoutes(_ node: Node) -> [RouteConfig] {
        guard let items = sequence(node, path: "routes") else { return [] }
        return items.enumerated().compactMap { index, item in readRoute(item, path: "routes[\(index)]") }
    }

    private mutating func readRoute(_ node: Node, path: String) -> RouteConfig? {
        guard let map = mapping(node, path: path, anchor: node.location, keys: Self.routeKeys) else { return nil }
        let pattern = required("path", in: map).flatMap { string($0, map.path("path")) }
        let upstream = required("upstream", in: map).flatMap { string($0, map.path("upstream")) }
        var route = RouteConfig(path: pattern ?? Located(""), upstream: upstream ?? Located(""), location: map.location)
        route.name = map["name"].flatMap { string($0, map.path("name")) }
        route.methods = map["methods"].flatMap {
            strings($0, map.path("methods"), nonEmpty: "must list at least one method (omit it to allow every method)", problem: ValueSyntax.methodProblem)
        }
        route.host = map["host"].flatMap { string($0, map.path("host")) }
        if let auth = map["auth"].flatMap({ choice($0, map.path("auth"), [AuthMode.required, .optional, .none]) }) { route.auth = auth }
        let scopeRule = "must list at least one scope (omit it to require only a valid token)"
        route.scopes = map["scopes"].flatMap { strings($0, map.path("scopes"), nonEmpty: scopeRule, problem: ValueSyntax.scopeProblem) }
        route.anyScopes = map["any_scopes"].flatMap { strings($0, map.path("any_scopes"), nonEmpty: scopeRule, problem: ValueSyntax.scopeProblem) }
        route.issuers = map["issuers"].flatMap {
            strings($0, map.path("issuers"), nonEmpty: "must name at least one issuer (omit it to accept every issuer)")
        }
        route.stripPrefix = map["strip_prefix"].flatMap { string($0, map.path("strip_prefix")) }
        if let cors = map["cors"] { route.cors = readCORS(cors, path: map.path("cors"), anchor: map.keyLocation("cors")) }
        checkTokenRules(map)
        guard pattern != nil, upstream != nil else { return nil }
        return route
    }

    /// `scopes` and `any_scopes` exclude each other, and neither (nor `issuers`) means
    /// anything on a route that admits requests without a token.
    private mutating func checkTokenRules(_ map: MappingNode) {
        if map["scopes"] != nil, map["any_scopes"] != nil {
            error("\(map.path("any_scopes")): cannot be combined with scopes (all of those are required); use one of them", at: map.keyLocation("any_scopes"))
        }
        guard let authNode = map["auth"], let auth = authNode.scalar?.string, auth == "none" || auth == "optional" else { return }
        for key in ["scopes", "any_scopes"] where map[key] != nil {
            let reason = auth == "none" ? "never reads a token" : "admits requests without a token"
            error("\(map.path("auth")): auth: \(auth) \(reason), so \(key) (line \(map.keyLocation(key).line)) could not be enforced; use auth: required", at: authNode.location)
        }
        if auth == "none", map["issuers"] != nil {
            error("\(map.path("auth")): auth: none never reads a token, so issuers (line \(map.keyLocation("issuers").line)) has no effect", at: authNode.location)
        }
    }
}
