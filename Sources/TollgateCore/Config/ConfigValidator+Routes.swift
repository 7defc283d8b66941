/// Route rules: patterns and hosts parse, references exist, `strip_prefix` fits the
/// pattern, and no two routes claim the same host, pattern and method.
extension ConfigValidator {
    static func checkRoutes(_ config: GatewayConfig, into problems: inout Problems) {
        let upstreams = Set(config.upstreams.map(\.name.value))
        let issuers = Set(config.issuers.map(\.name.value))
        /// Earlier routes by (host, pattern shape), for conflicts.
        var claimed: [String: [RouteConfig]] = [:]
        for route in config.routes {
            if !upstreams.contains(route.upstream.value) {
                let known = upstreams.isEmpty ? "no upstreams are defined" : "defined: \(upstreams.sorted().joined(separator: ", "))"
                problems.add("route '\(route.displayName)': no upstream named '\(route.upstream.value)' (\(known))", at: route.upstream.location)
            }
            for issuer in route.issuers ?? [] where !issuers.contains(issuer.value) {
                let known = issuers.isEmpty ? "no issuers are defined" : "defined: \(issuers.sorted().joined(separator: ", "))"
                problems.add("route '\(route.displayName)': no issuer named '\(issuer.value)' (\(known))", at: issuer.location)
            }
            var host = ""
            if let written = route.host {
                do {
                    host = try HostPattern(parsing: written.value).description
                } catch {
                    problems.add("route '\(route.displayName)' host: \(error)", at: written.location)
                    continue
                }
            }
            let pattern: RoutePattern
            do {
                pattern = try RoutePattern(parsing: route.path.value)
            } catch {
                problems.add("route path '\(route.path.value)': \(error)", at: route.path.location)
                continue
            }
            checkStripPrefix(route, pattern: pattern, into: &problems)
            let key = host + " " + pattern.shape
            if let earlier = claimed[key, default: []].first(where: { methodsOverlap($0.methods, route.methods) }) {
                let hosts = host.isEmpty ? "neither has a host" : "both have host \(host)"
                problems.add("route '\(route.displayName)' conflicts with route '\(earlier.displayName)' (line \(earlier.location.line)): \(hosts), the path patterns match the same paths and the methods overlap", at: route.path.location)
            }
            claimed[key, default: []].append(route)
        }
    }

    /// `strip_prefix` starts with `/` and ends at a segment boundary of the pattern's literal prefix,
    /// so that what is removed is the same for every request the route matches.
    private static func checkStripPrefix(_ route: RouteConfig, pattern: RoutePattern, into problems: inout Problems) {
        guard let strip = route.stripPrefix else { return }
        let literal = pattern.literalPrefix
        let fits = strip.value.hasPrefix("/") && strip.value != "/"
            && (literal == strip.value || literal.hasPrefix(strip.value + "/"))
        guard !fits else { return }
        let expected = literal.isEmpty
            ? "this pattern has no literal leading segments to strip"
            : "it must be whole leading segments of '\(literal)', like '\(literal.split(separator: "/").first.map { "/" + $0 } ?? literal)'"
        problems.add("route '\(route.displayName)' strip_prefix '\(strip.value)': \(expected)", at: strip.location)
    }

    /// nil methods means every method.
    private static func methodsOverlap(_ lhs: [Located<String>]?, _ rhs: [Located<String>]?) -> Bool {
        guard let lhs, let rhs else { return true }
        return !Set(lhs.map(\.value)).isDisjoint(with: rhs.map(\.value))
    }
}
