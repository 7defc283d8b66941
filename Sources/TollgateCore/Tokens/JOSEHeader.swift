/// The protected header of a compact JWS (RFC 7515 §4), reduced to what
/// verification uses. Headers that would point at keys (`jku`, `jwk`, `x5u`,
/// `x5c`) are deliberately ignored: keys come only from the issuer's
/// configuration, never from the token (a DPoP proof's `jwk` is read by
/// `DPoPProofVerifier`, for the proof only).
///
/// An immutable final class: a token's header comes from the loop's memo
/// and is handed along by the verifier several times; each copy of the
/// struct retained and released its four references (see `VerificationKey`).
public final class JOSEHeader: Sendable {
    public let algorithm: JWSAlgorithm
    public let keyID: String?
    /// `typ` as written.
    public let type: String?
    /// `typ` as the media type it names (`IssuerPolicy.mediaType`).
    let mediaType: String?
    /// All header parameters, decoded when read, for callers that need more.
    public let parameters: ScannedJSONObject

    /// Reads the decoded header segment, rejecting what is not one JSON
    /// object with distinct names, `alg: none` in any spelling, unknown
    /// algorithms, wrongly typed parameters, `crit` and nested tokens. The
    /// object is scanned, not built: only `alg`, `kid`, `typ`, `crit` and
    /// `cty` are looked up.
    public init(decoding bytes: [UInt8]) throws(TokenError) {
        parameters = try ScannedJSONObject(scanning: bytes, part: .header)
        guard let algName = try Self.optionalString(.alg, in: parameters) else { throw .malformed(.missingAlgorithm) }
        // Only a four-byte name can lower-case to "none"; checking the length first
        // spares every token a `lowercased()`.
        if algName.utf8.count == 4, algName.lowercased() == "none" { throw .unsigned }
        guard let algorithm = JWSAlgorithm(jose: algName) else { throw .unsupportedAlgorithm }
        self.algorithm = algorithm
        keyID = try Self.optionalString(.kid, in: parameters)
        type = try Self.optionalString(.typ, in: parameters)
        mediaType = type.map(IssuerPolicy.mediaType)
        if parameters[.registered(.crit)] != nil { throw .malformed(.criticalExtension) }
        if let contentType = try Self.optionalString(.cty, in: parameters),
            contentType.lowercased() == "jwt" || contentType.lowercased() == "application/jwt" {
            throw .malformed(.nestedToken)
        }
    }

    private static func optionalString(_ name: RegisteredName, in parameters: ScannedJSONObject) throws(TokenError) -> String? {
        switch parameters.string(.registered(name)) {
        case .absent: nil
        case .plain(let text): text
        case .other: throw .malformed(.invalidHeaderParameter(name.rawValue))
        }
    }
}
