/// A scope's small integer id inside one `ScopeUniverse`: its bit position in a
/// `ScopeSet`. Ids mean nothing outside the universe that assigned them, so a
/// reloaded config starts with new caches rather than reinterpreting old bits.
public struct ScopeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: Int

    public init(_ rawValue: Int) {
        precondition(rawValue >= 0, "a scope id is a bit position and cannot be negative")
        self.rawValue = rawValue
    }

    public static func < (lhs: ScopeID, rhs: ScopeID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "#\(rawValue)" }
}
