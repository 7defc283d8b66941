/// The core's answer when a request must not be forwarded: the error code, a
/// description for the user (never containing a token or secret), and the
/// extra headers the answer needs (`WWW-Authenticate`, `Allow`, `Retry-After`).
public struct Rejection: Sendable, Hashable, Error {
    public var code: GatewayErrorCode
    public var description: String
    public var headers: [Header]

    /// A response header the rejection carries.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ code: GatewayErrorCode, _ description: String, headers: [Header] = []) {
        self.code = code
        self.description = description
        self.headers = headers
    }

    public var status: Int { code.status }

    /// `{"error": CODE, "error_description": TEXT}`, the body of every gateway error.
    public var jsonBody: String {
        "{\"error\":\"\(code.rawValue)\",\"error_description\":\(JSONText.quoted(description))}"
    }
}
