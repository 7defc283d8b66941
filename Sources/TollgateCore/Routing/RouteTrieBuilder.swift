/// One node of the compiled route trie: where to go for a `{param}`, and which
/// entries end here (exactly, or through a trailing `/**`), as ranges of
/// `RouteTable.routeLists`. Literal children live in the table's edge map.
struct TrieNode: Sendable {
    var paramChild: Int32 = -1
    var hasLiteralChildren = false
    var terminal: Range<Int32> = 0..<0
    var catchAll: Range<Int32> = 0..<0
}

/// Builds the route trie with growable per-node lists, then flattens it into
/// the arrays a `RouteTable` matches on. Used once per compiled config.
struct RouteTrieBuilder {
    private struct Node {
        var literals: [(label: [UInt8], child: Int32)] = []
        var paramChild: Int32 = -1
        var terminal: [Int32] = []
        var catchAll: [Int32] = []
    }

    private var nodes: [Node] = []
    private(set) var edges = ByteKeyTable()

    mutating func makeRoot() -> Int32 {
        nodes.append(Node())
        return Int32(nodes.count - 1)
    }

    /// Adds `entry` (whose explicit methods are `methods[entry]`) under `root`,
    /// refusing a route that another one with the same shape and a common method
    /// already claims.
    mutating func insert(
        entry: Int32,
        pattern: RoutePattern,
        under root: Int32,
        methods: [MethodSet]
    ) throws(RouteTableError) {
        var node = root
        for segment in pattern.segments {
            switch segment {
            case .literal(let text):
                let label = PercentDecoding.decode(text)
                let fresh = Int32(nodes.count)
                let child = edges.insert(owner: node, key: label, value: fresh)
                if child == fresh {
                    nodes.append(Node())
                    nodes[Int(node)].literals.append((label, child))
                }
                node = child
            case .parameter:
                if nodes[Int(node)].paramChild < 0 {
                    nodes.append(Node())
                    nodes[Int(node)].paramChild = Int32(nodes.count - 1)
                }
                node = nodes[Int(node)].paramChild
            case .catchAll:
                try Self.check(entry, against: nodes[Int(node)].catchAll, methods: methods, pattern: pattern)
                nodes[Int(node)].catchAll.append(entry)
                return
            }
        }
        try Self.check(entry, against: nodes[Int(node)].terminal, methods: methods, pattern: pattern)
        nodes[Int(node)].terminal.append(entry)
    }

    private static func check(
        _ entry: Int32,
        against others: [Int32],
        methods: [MethodSet],
        pattern: RoutePattern
    ) throws(RouteTableError) {
        let mine = methods[Int(entry)]
        for other in others {
            let theirs = methods[Int(other)]
            if mine.contains(.anyMethod) || theirs.contains(.anyMethod) || !mine.isDisjoint(with: theirs) {
                throw .conflict(first: Int(other), second: Int(entry), pattern: pattern.text)
            }
        }
    }

    /// The sets routes are matched with: `HEAD` is added wherever `GET` is, unless
    /// another route of the same host and shape names `HEAD` itself.
    func effectiveMethods(_ explicit: [MethodSet]) -> [MethodSet] {
        var effective = explicit
        func addImplicitHead(_ list: [Int32]) {
            if list.contains(where: { explicit[Int($0)].contains(.head) }) { return }
            for entry in list where explicit[Int(entry)].contains(.get) {
                effective[Int(entry)].insert(.head)
            }
        }
        for node in nodes {
            addImplicitHead(node.terminal)
            addImplicitHead(node.catchAll)
        }
        return effective
    }

    /// The flattened nodes and the entry lists their ranges point into.
    func flatten() -> (nodes: [TrieNode], routeLists: [Int32]) {
        var flat: [TrieNode] = []
        flat.reserveCapacity(nodes.count)
        var lists: [Int32] = []
        for node in nodes {
            var compiled = TrieNode(paramChild: node.paramChild, hasLiteralChildren: !node.literals.isEmpty)
            let terminalStart = Int32(lists.count)
            lists.append(contentsOf: node.terminal)
            compiled.terminal = terminalStart..<Int32(lists.count)
            let catchAllStart = Int32(lists.count)
            lists.append(contentsOf: node.catchAll)
            compiled.catchAll = catchAllStart..<Int32(lists.count)
            flat.append(compiled)
        }
        return (flat, lists)
    }

    /// Every entry under `root` in the order matching prefers them: a node's
    /// exact routes, then its literal children (by label), then its `{param}`
    /// child, then its `/**` routes.
    func entriesInPriorityOrder(from root: Int32, into order: inout [Int]) {
        let node = nodes[Int(root)]
        order.append(contentsOf: node.terminal.map(Int.init))
        for literal in node.literals.sorted(by: { $0.label.lexicographicallyPrecedes($1.label) }) {
            entriesInPriorityOrder(from: literal.child, into: &order)
        }
        if node.paramChild >= 0 { entriesInPriorityOrder(from: node.paramChild, into: &order) }
        order.append(contentsOf: node.catchAll.map(Int.init))
    }
}
