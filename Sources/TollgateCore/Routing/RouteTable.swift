/// The routes of one config, compiled once into flat arrays so that a request
/// is routed by host, path and method without allocating.
///
/// Routes are grouped by host tier, tried in this order: the exact host, then
/// `*.suffix` hosts from the longest suffix to the shortest, then routes with no
/// host. Within a tier a segment trie ranks them: segment by segment a literal
/// beats `{param}`, which beats `/**`; a route ending exactly at the path's end
/// beats a `/**` matching zero segments there. Matching backtracks, so every
/// route matching the host and path is considered, most specific first; the
/// first that allows the method wins.
///
/// Literal segments are compared by what they percent-decode to, so `/%61pi`
/// matches the route `/api` (and cannot fall through to a broader one). Paths
/// are compared case-sensitively; `{param}` matches one non-empty segment; an
/// empty segment (`//`, a trailing `/`) is matched only by `/**`.
public final class RouteTable: Sendable {
    /// One route as the table needs it. The table answers with the entry's index
    /// in the array it was compiled from, so the caller maps back to its routes.
    public struct Entry: Sendable, Hashable {
        public var pattern: RoutePattern
        public var host: HostPattern?
        /// `nil`: every method. `GET` implies `HEAD`.
        public var methods: [String]?
        /// Leading literal segments of `pattern` removed before forwarding.
        public var stripPrefix: String?

        public init(pattern: RoutePattern, host: HostPattern? = nil, methods: [String]? = nil, stripPrefix: String? = nil) {
            self.pattern = pattern
            self.host = host
            self.methods = methods
            self.stripPrefix = stripPrefix
        }
    }

    /// Owners in `hosts` that tell the two host tiers apart.
    static let exactTier: Int32 = -1
    static let wildcardTier: Int32 = -2

    let nodes: [TrieNode]
    /// Literal edges: owner = parent node, key = decoded label, value = child node.
    let edges: ByteKeyTable
    /// Host tiers: owner = `exactTier` or `wildcardTier`, key = lower-case host or
    /// `.suffix`, value = the tier's root node.
    let hosts: ByteKeyTable
    let hasExactHosts: Bool
    let hasWildcardHosts: Bool
    /// The root of the routes without a host, or -1.
    let defaultRoot: Int32
    let routeLists: [Int32]
    /// Per entry, the methods it allows (HEAD added where GET is).
    let entryMethods: [MethodSet]
    /// Per entry, the decoded segments `strip_prefix` removes.
    let stripSegments: [[[UInt8]]]
    let methodRegistry: MethodRegistry

    /// Every entry's index, in the order matching prefers them: host tier, then
    /// specificity. This is the order `tollgate routes` prints.
    public let routeIndicesInPriorityOrder: [Int]

    /// The number of entries compiled.
    public var count: Int { entryMethods.count }

    public init(_ entries: [Entry]) throws(RouteTableError) {
        var registry = MethodRegistry()
        var explicit: [MethodSet] = []
        explicit.reserveCapacity(entries.count)
        var strips: [[[UInt8]]] = []
        strips.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            var methods: MethodSet = []
            if let names = entry.methods {
                for name in names { methods.formUnion(try registry.intern(name)) }
            } else {
                methods = .anyMethod
            }
            explicit.append(methods)
            strips.append(try Self.stripSegments(of: entry, index: index))
        }

        var builder = RouteTrieBuilder()
        var hostRoots = ByteKeyTable()
        var exactRoots: [(host: String, root: Int32)] = []
        var wildcardRoots: [(suffix: String, root: Int32)] = []
        var defaultRoot: Int32 = -1
        for (index, entry) in entries.enumerated() {
            let root: Int32
            switch entry.host {
            case nil:
                if defaultRoot < 0 { defaultRoot = builder.makeRoot() }
                root = defaultRoot
            case .exact(let host):
                let tier = Self.tierRoot(owner: Self.exactTier, name: host, hosts: &hostRoots, builder: &builder)
                if tier.isNew { exactRoots.append((host, tier.root)) }
                root = tier.root
            case .wildcard(let suffix):
                let tier = Self.tierRoot(owner: Self.wildcardTier, name: suffix, hosts: &hostRoots, builder: &builder)
                if tier.isNew { wildcardRoots.append((suffix, tier.root)) }
                root = tier.root
            }
            try builder.insert(entry: Int32(index), pattern: entry.pattern, under: root, methods: explicit)
        }

        var order: [Int] = []
        order.reserveCapacity(entries.count)
        for tier in exactRoots.sorted(by: { $0.host < $1.host }) {
            builder.entriesInPriorityOrder(from: tier.root, into: &order)
        }
        let wildcardOrder = wildcardRoots.sorted {
            ($0.suffix.utf8.count, $1.suffix) > ($1.suffix.utf8.count, $0.suffix)
        }
        for tier in wildcardOrder {
            builder.entriesInPriorityOrder(from: tier.root, into: &order)
        }
        if defaultRoot >= 0 { builder.entriesInPriorityOrder(from: defaultRoot, into: &order) }

        let flat = builder.flatten()
        self.nodes = flat.nodes
        self.routeLists = flat.routeLists
        self.edges = builder.edges
        self.hosts = hostRoots
        self.hasExactHosts = !exactRoots.isEmpty
        self.hasWildcardHosts = !wildcardRoots.isEmpty
        self.defaultRoot = defaultRoot
        self.entryMethods = builder.effectiveMethods(explicit)
        self.stripSegments = strips
        self.methodRegistry = registry
        self.routeIndicesInPriorityOrder = order
    }

    /// The bit a request method has in this table (empty for a method no route
    /// names, which only routes allowing every method accept).
    public func methodSet(named method: String) -> MethodSet {
        methodRegistry.set(for: method) ?? []
    }

    /// The names of the methods in `set`, standard methods first.
    public func methodNames(in set: MethodSet) -> [String] {
        methodRegistry.names(in: set)
    }

    /// The value of a 405 response's `Allow` header: `GET, HEAD, POST`.
    public func allowHeaderValue(for set: MethodSet) -> String {
        methodNames(in: set).joined(separator: ", ")
    }

    /// The methods entry `index` allows, `HEAD` included where `GET` is.
    public func methods(ofRoute index: Int) -> MethodSet {
        entryMethods[index]
    }

    private static func tierRoot(
        owner: Int32,
        name: String,
        hosts: inout ByteKeyTable,
        builder: inout RouteTrieBuilder
    ) -> (root: Int32, isNew: Bool) {
        let key = Array(name.utf8)
        if let existing = hosts.value(owner: owner, key: VerbatimBytes(bytes: key)) { return (existing, false) }
        let root = builder.makeRoot()
        _ = hosts.insert(owner: owner, key: key, value: root)
        return (root, true)
    }

    private static func stripSegments(of entry: Entry, index: Int) throws(RouteTableError) -> [[UInt8]] {
        guard let prefix = entry.stripPrefix else { return [] }
        let failure = RouteTableError.stripPrefixNotInPattern(entry: index, prefix: prefix, pattern: entry.pattern.text)
        guard let parsed = try? RoutePattern(parsing: prefix), parsed.segments.count <= entry.pattern.segments.count else {
            throw failure
        }
        var labels: [[UInt8]] = []
        for (mine, theirs) in zip(parsed.segments, entry.pattern.segments) {
            guard case .literal(let text) = mine, case .literal(let other) = theirs else { throw failure }
            let label = PercentDecoding.decode(text)
            guard label == PercentDecoding.decode(other) else { throw failure }
            labels.append(label)
        }
        return labels
    }
}
