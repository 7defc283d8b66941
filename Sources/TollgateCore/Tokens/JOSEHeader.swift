/// The protected header of a compact JWS (RFC 7515 §4), reduced to what
/// verification uses. Headers that would point at keys (`jku`, `jwk`, `x5u`,
/// `x5c`) are deliberately ignored: keys come only from the issuer's
/// configuration, never from the token.
public struct JOSEHeader: Sendable, Equatable {
    public let algorithm: JWSAlgorithm
    public let keyID: String?
    /// `typ` as written.
    public let type: String?
    /// All header parameters, for callers that need more.
    public let parameters: JSONObject

    /// Reads the header object, rejecting `alg: none` in any spelling, unknown
    /// algorithms, wrongly typed parameters, `crit` and nested tokens.
    public init(_ parameters: JSONObject) throws(TokenError) {
        guard let algValue = parameters["alg"] else { throw .malformed(.missingAlgorithm) }
        guard let algName = algValue.stringValue else { throw .malformed(.invalidHeaderParameter("alg")) }
        // Only a four-byte name can lower-case to "none"; checking the length first
        // spares every token a `lowercased()`.
        if algName.utf8.count == 4, algName.lowercased() == "none" { throw .unsigned }
        guard let algorithm = JWSAlgorithm(jose: algName) else { throw .unsupportedAlgorithm }
        self.algorithm = algorithm
        keyID = try Self.optionalString("kid", in: parameters)
        type = try Self.optionalString("typ", in: parameters)
        if parameters["crit"] != nil { throw .malformed(.criticalExtension) }
        if let contentType = try Self.optionalString("cty", in: parameters),
            contentType.lowercased() == "jwt" || contentType.lowercased() == "application/jwt" {
            throw .malformed(.nestedToken)
        }
        self.parameters = parameters
    }

    private static func optionalString(_ name: String, in parameters: JSONObject) throws(TokenError) -> String? {
        guard let value = parameters[name] else { return nil }
        guard let string = value.stringValue else { throw .malformed(.invalidHeaderParameter(name)) }
        return string
    }
}
