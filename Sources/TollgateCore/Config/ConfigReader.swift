import Yams

/// Walks the composed YAML tree section by section, turning nodes into the typed
/// model and collecting every problem on the way instead of stopping at the first.
/// Each `read…` returns nil (after recording why) when a value cannot be used.
struct ConfigReader {
    let file: String
    /// Placeholder keys standing for repeated keys already reported.
    let skippedKeys: Set<String>
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String, skippedKeys: Set<String>) {
        self.file = file
        self.skippedKeys = skippedKeys
    }

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(ConfigDiagnostic(file: file, location: location, message: message))
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(ConfigDiagnostic(file: file, location: location, message: message, severity: .warning))
    }

    /// Reads a mapping whose keys must be among `keys` (in the order the help text lists
    /// them); `keys: nil` accepts any key. A null value reads as an empty mapping.
    /// - Parameter anchor: where a missing required key is reported (the key this mapping
    ///   is the value of, or the mapping's own first line for a list entry).
    mutating func mapping(_ node: Node, path: String, anchor: SourceLocation, keys: [String]?) -> MappingNode? {
        if node.isNull { return MappingNode(path: path, location: anchor, entries: []) }
        guard let mapping = node.mapping else {
            error("\(path.isEmpty ? "the file" : path): expected a mapping of keys, found \(node.kindDescription)", at: node.location)
            return nil
        }
        var entries: [MappingNode.Entry] = []
        var seen: [String: SourceLocation] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, !keyNode.isNull else {
                error("\(path.isEmpty ? "the file" : path): keys must be plain strings, found \(keyNode.kindDescription)", at: keyNode.location)
                continue
            }
            if skippedKeys.contains(key) { continue }
            if let allowed = keys, !allowed.contains(key) {
                let place = path.isEmpty ? "top-level key" : "key in \(path)"
                error("unknown \(place): '\(key)' (expected one of: \(allowed.joined(separator: ", ")))", at: keyNode.location)
                continue
            }
            if let first = seen[key] {
                error("duplicate key '\(key)' (first given at line \(first.line))", at: keyNode.location)
                continue
            }
            seen[key] = keyNode.location
            entries.append(MappingNode.Entry(key: key, keyLocation: keyNode.location, value: value))
        }
        return MappingNode(path: path, location: anchor, entries: entries)
    }

    /// Reads a list; a null value reads as an empty list.
    mutating func sequence(_ node: Node, path: String) -> [Node]? {
        if node.isNull { return [] }
        guard let sequence = node.sequence else {
            error("\(path): expected a list, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return Array(sequence)
    }

    /// The value of a key that must be present, or an error at the mapping that lacks it.
    mutating func required(_ key: String, in mapping: MappingNode) -> Node? {
        if let value = mapping[key] { return value }
        let owner = mapping.path.isEmpty ? "the file" : mapping.path
        error("\(owner): missing required key '\(key)'", at: mapping.location)
        return nil
    }
}

/// One YAML mapping after its keys were checked, in file order.
struct MappingNode {
    struct Entry {
        var key: String
        var keyLocation: SourceLocation
        var value: Node
    }

    /// Dotted path for messages: `issuers[1].introspection`.
    let path: String
    /// Where a missing required key is reported.
    let location: SourceLocation
    let entries: [Entry]

    subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }

    func keyLocation(_ key: String) -> SourceLocation {
        entries.first { $0.key == key }?.keyLocation ?? location
    }

    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

extension Node {
    var location: SourceLocation {
        mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? .unknown
    }

    /// `~`, `null` or an empty value (quoted scalars are strings, never null).
    var isNull: Bool { null != nil }

    var kindDescription: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): isNull ? "nothing (null)" : "'\(scalar.string)'"
        }
    }
}
