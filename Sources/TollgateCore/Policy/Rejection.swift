/// The core's answer when a request must not be forwarded: the error code, a
/// description for the user (never containing a token or secret), and the
/// extra headers the answer needs (`WWW-Authenticate`, `Allow`, `Retry-After`);
/// for metrics and the access log, the route it matched and the token's check.
public struct Rejection: Sendable, Hashable, Error {
    public var code: GatewayErrorCode
    public var description: String
    public var headers: [HeaderField]
    /// Index into the snapshot's routes, when the request matched one before it was refused.
    public var route: Int? = nil
    /// What the token check concluded (`.notChecked` when refused before it).
    public var tokenCheck = TokenCheck.notChecked

    public init(_ code: GatewayErrorCode, _ description: String, headers: [HeaderField] = []) {
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
