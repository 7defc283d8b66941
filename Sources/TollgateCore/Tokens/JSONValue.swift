/// A JSON value (RFC 8259) as `JSONParser` produces it: the form in which
/// JOSE headers, JWT claims and JWKs are read. Objects keep their members in
/// document order and never hold two members with the same name.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, when this is one.
    public var numberValue: Double? {
        if case .number(let value) = self { return value.value }
        return nil
    }

    /// The object, when this is one.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }
}

/// A JSON number: its text as written (so that it can be forwarded unchanged)
/// and its value as a finite `Double`.
public struct JSONNumber: Sendable, Hashable {
    public let text: String
    public let value: Double

    /// A whole number, for claims such as `exp` that Tollgate writes itself.
    public init(_ value: Int64) {
        self.text = String(value)
        self.value = Double(value)
    }

    /// Called by the parser, which has already checked the grammar.
    init(validatedText: String, value: Double) {
        self.text = validatedText
        self.value = value
    }
}

/// A JSON object whose member names are unique, in document order. Lookups are
/// linear: JOSE headers and claim sets are small, and a short array scan beats
/// hashing every key.
public struct JSONObject: Sendable, Equatable {
    public let keys: [String]
    public let values: [JSONValue]

    /// An object from members with distinct names (a repeated name is a programming error).
    public init(uniqueKeysWithValues members: [(String, JSONValue)]) {
        keys = members.map(\.0)
        values = members.map(\.1)
        precondition(Set(keys).count == keys.count, "JSONObject members must have distinct names")
    }

    /// Called by the parser, which has already rejected duplicate names.
    init(validatedKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
    }

    public var count: Int { keys.count }

    public subscript(key: String) -> JSONValue? {
        for index in keys.indices where keys[index] == key {
            return values[index]
        }
        return nil
    }
}
