/// A position in a configuration file, 1-based, so that every problem can be
/// reported as `PATH:LINE:COLUMN: message`.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// Used for values that did not come from a file (defaults, embedded configs).
    public static let unknown = SourceLocation(line: 0, column: 0)

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A configured value together with where it was written, so that validation
/// rules that look across sections (a route naming a missing upstream) can
/// point at the exact place.
public struct Located<Value> {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation = .unknown) {
        self.value = value
        self.location = location
    }
}

extension Located: Sendable where Value: Sendable {}

/// Equality ignores the location: two configs that say the same thing are equal
/// wherever they say it (the round-trip property test relies on this).
extension Located: Equatable where Value: Equatable {
    public static func == (lhs: Located, rhs: Located) -> Bool { lhs.value == rhs.value }
}

extension Located: Hashable where Value: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
