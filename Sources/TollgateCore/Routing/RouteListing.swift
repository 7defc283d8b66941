/// The compiled route table as `tollgate routes` prints it, so that operators
/// see what the gateway will actually do: one row per route in the order
/// matching prefers them, then, for each route that requires scopes, which
/// token scopes satisfy it once `scopes.implies` is applied.
public struct RouteListing: Sendable {
    /// One route as the table shows it; every cell is plain text, `-` or `*`
    /// when the route does not restrict that aspect.
    public struct Row: Sendable, Hashable {
        /// The route's index in `config.routes` (and `snapshot.routes`).
        public var index: Int
        public var name: String
        /// The host as configured, or `*` for a route on every host.
        public var host: String
        public var pattern: String
        /// Comma-separated, `HEAD` included where `GET` is; `*` for every method.
        public var methods: String
        public var upstream: String
        public var auth: String
        /// `all of: a b`, `any of: a b`, or `-`.
        public var scopes: String
        /// Comma-separated issuer names, or `-`.
        public var issuers: String
        /// `strip_prefix`, or `-`.
        public var stripPrefix: String

        /// The cells in column order, as `lines` prints them.
        public var cells: [String] { [name, host, pattern, methods, upstream, auth, scopes, issuers, stripPrefix] }
    }

    /// The token scopes that satisfy one route's scope requirement.
    public struct ScopeSatisfaction: Sendable, Hashable {
        /// One condition of the requirement: a token holding any scope of
        /// `grantedBy` meets it.
        public struct Condition: Sendable, Hashable {
            /// The required scope (all of: one per condition), or every
            /// alternative (any of: a single condition).
            public var required: [String]
            /// The scopes whose implication closure reaches `required`: the
            /// required scopes themselves first, then from narrowest to widest.
            public var grantedBy: [String]
        }

        public var routeName: String
        /// All must be met.
        public var conditions: [Condition]
    }

    /// The header row's cells, in `Row.cells` order.
    static let headerCells = ["NAME", "HOST", "PATH", "METHODS", "UPSTREAM", "AUTH", "SCOPES", "ISSUERS", "STRIP_PREFIX"]

    /// The routes in match-priority order.
    public let rows: [Row]
    /// For each route with a scope requirement, in the same order as `rows`.
    public let satisfactions: [ScopeSatisfaction]

    /// Lists `snapshot`'s routes. Throws only when a route's scope lists could
    /// not be compiled, which the config loader has already ruled out.
    public init(snapshot: GatewaySnapshot) throws(ScopeRequirementError) {
        let config = snapshot.config
        let table = snapshot.routeTable
        let universe = ScopeUniverse(config: config)
        var rows: [Row] = []
        var satisfactions: [ScopeSatisfaction] = []
        for index in table.routeIndicesInPriorityOrder {
            let route = config.routes[index]
            let requirement = try ScopeRequirement(route: route, in: universe)
            let methods = table.methods(ofRoute: index)
            rows.append(Row(
                index: index,
                name: snapshot.routes[index].name,
                host: route.host?.value ?? "*",
                pattern: route.path.value,
                methods: methods.contains(.anyMethod) ? "*" : table.methodNames(in: methods).joined(separator: ","),
                upstream: route.upstream.value,
                auth: route.auth.value.rawValue,
                scopes: requirement.rule == .none ? "-" : requirement.summary,
                issuers: route.issuers.map { $0.map(\.value).joined(separator: ",") } ?? "-",
                stripPrefix: route.stripPrefix?.value ?? "-"
            ))
            if let satisfaction = Self.satisfaction(of: requirement, route: snapshot.routes[index].name, in: universe) {
                satisfactions.append(satisfaction)
            }
        }
        self.rows = rows
        self.satisfactions = satisfactions
    }

    /// The listing as printed: the aligned table with a header row, then a
    /// blank line and the scope section when any route requires scopes.
    public var lines: [String] {
        let all = [Self.headerCells] + rows.map(\.cells)
        var widths = Array(repeating: 0, count: Self.headerCells.count)
        for cells in all {
            for (column, cell) in cells.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var lines = all.map { cells in
            cells.indices.map { column in
                column == cells.count - 1 ? cells[column] : cells[column] + String(repeating: " ", count: widths[column] - cells[column].count)
            }.joined(separator: "  ")
        }
        guard !satisfactions.isEmpty else { return lines }
        lines.append("")
        lines.append("Token scopes that satisfy each route (after scopes.implies):")
        for satisfaction in satisfactions {
            if satisfaction.conditions.count == 1 {
                lines.append("\(satisfaction.routeName): satisfied by: " + satisfaction.conditions[0].grantedBy.joined(separator: " | "))
                continue
            }
            lines.append("\(satisfaction.routeName): satisfied by all of:")
            for condition in satisfaction.conditions {
                lines.append("  \(condition.required.joined(separator: " ")), granted by: " + condition.grantedBy.joined(separator: " | "))
            }
        }
        return lines
    }

    private static func satisfaction(of requirement: ScopeRequirement, route: String, in universe: ScopeUniverse) -> ScopeSatisfaction? {
        switch requirement.rule {
        case .none:
            return nil
        case .allOf:
            let conditions = requirement.names.map { condition(requiring: [$0], in: universe) }
            return ScopeSatisfaction(routeName: route, conditions: conditions)
        case .anyOf:
            return ScopeSatisfaction(routeName: route, conditions: [condition(requiring: requirement.names, in: universe)])
        }
    }

    /// Who grants any of `required`: `required` first as written, then the
    /// other grantors by how much they grant (narrowest first), then by id.
    private static func condition(requiring required: [String], in universe: ScopeUniverse) -> ScopeSatisfaction.Condition {
        let targets = required.compactMap { universe.id(of: $0) }
        var grantors = universe.emptySet
        for target in targets { grantors.formUnion(universe.scopes(granting: target)) }
        let others = grantors.filter { !targets.contains($0) }.sorted {
            (universe.closure(of: $0).count, $0.rawValue) < (universe.closure(of: $1).count, $1.rawValue)
        }
        return ScopeSatisfaction.Condition(required: required, grantedBy: required + others.map { universe.name(of: $0) })
    }
}
