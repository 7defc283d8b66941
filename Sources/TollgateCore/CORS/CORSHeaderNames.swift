/// The CORS header names, as the policy writes them.
extension HeaderField {
    static let allowOrigin = "Access-Control-Allow-Origin"
    static let allowMethods = "Access-Control-Allow-Methods"
    static let allowHeaders = "Access-Control-Allow-Headers"
    static let allowCredentials = "Access-Control-Allow-Credentials"
    static let exposeHeaders = "Access-Control-Expose-Headers"
    static let maxAge = "Access-Control-Max-Age"
    static let vary = "Vary"
}
