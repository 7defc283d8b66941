/// One response header the CORS policy asks the server to add. A list of these
/// is what the server writes; names are in their conventional spelling.
public struct CORSHeaderField: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): \(value)" }

    static let allowOrigin = "Access-Control-Allow-Origin"
    static let allowMethods = "Access-Control-Allow-Methods"
    static let allowHeaders = "Access-Control-Allow-Headers"
    static let allowCredentials = "Access-Control-Allow-Credentials"
    static let exposeHeaders = "Access-Control-Expose-Headers"
    static let maxAge = "Access-Control-Max-Age"
    static let vary = "Vary"
}
