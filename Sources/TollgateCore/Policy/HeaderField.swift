/// One response or request header the core asks the server to write: CORS
/// headers, `WWW-Authenticate`, `Allow`, identity headers. Names are in their
/// conventional spelling.
public struct HeaderField: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): \(value)" }
}
