/// What one JWT issuer's tokens must satisfy, compiled once from its
/// `IssuerConfig` so that verification does no lookups or conversions.
public struct IssuerPolicy: Sendable, Equatable {
    /// The configured `name`, reported in `VerifiedToken.issuer`.
    public let name: String
    /// The exact `iss` value.
    public let issuer: String
    /// `aud` must contain one of these. An empty list does not check `aud`
    /// (as Envoy's jwt_authn); configuration validation is expected to require one.
    public let audiences: [String]
    public let algorithms: [JWSAlgorithm]
    public let leewaySeconds: Int64
    /// `require_typ`, normalised (lower case, without `application/`).
    public let requiredType: String?
    /// `scope_claim`; `nil`: `scope`, else `scp`.
    public let scopeClaim: String?
    /// `client_id_claim`; `nil`: `client_id`, else `azp`.
    public let clientIDClaim: String?
    /// `issuer` and every audience are ASCII, so that claims compare with them
    /// as bytes (`ScannedJSONObject.plainString`).
    let issuerAndAudiencesAreASCII: Bool
    /// `issuer` and `audiences` as bytes, for comparing with a plain claim in
    /// place: through `String.withUTF8` on every token the two comparisons
    /// were 200 instructions a token more (callgrind, RS256, session 10).
    let issuerBytes: [UInt8]
    let audienceBytes: [[UInt8]]

    public init(
        name: String,
        issuer: String,
        audiences: [String],
        algorithms: [JWSAlgorithm] = JWSAlgorithm.defaultAllowed,
        leewaySeconds: Int64 = 30,
        requiredType: String? = nil,
        scopeClaim: String? = nil,
        clientIDClaim: String? = nil
    ) {
        self.name = name
        self.issuer = issuer
        self.audiences = audiences
        self.algorithms = algorithms
        self.leewaySeconds = max(0, leewaySeconds)
        self.requiredType = requiredType.map(Self.mediaType)
        self.scopeClaim = scopeClaim
        self.clientIDClaim = clientIDClaim
        issuerAndAudiencesAreASCII = ([issuer] + audiences).allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
        issuerBytes = Array(issuer.utf8)
        audienceBytes = audiences.map { Array($0.utf8) }
    }

    /// The policy of a JWT issuer entry; `nil` for an entry without `issuer` (introspection).
    public init?(_ config: IssuerConfig) {
        guard let issuer = config.issuer?.value else { return nil }
        self.init(
            name: config.name.value,
            issuer: issuer,
            audiences: config.audiences.map(\.value),
            algorithms: config.algorithms.map(\.value),
            leewaySeconds: config.leeway.components.seconds,
            requiredType: config.requireTyp,
            scopeClaim: config.scopeClaim,
            clientIDClaim: config.clientIdClaim
        )
    }

    /// A `typ` value as the media type it names, for comparing with `==`:
    /// ASCII letters lowered (media types compare case-insensitively, RFC 2045
    /// §5.1) and an `application/` prefix removed (RFC 7515 §4.1.9, so that
    /// `application/at+jwt` is `at+jwt`, RFC 9068 §2.1). A token's is made
    /// once per distinct header (`JOSEHeader.mediaType`, kept in the loop's
    /// memo): comparing case-insensitively on every token was 190 instructions
    /// a token (callgrind, RS256, session 10).
    static func mediaType(_ type: String) -> String {
        let prefix = "application/".utf8
        let lowered = type.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        let name = lowered.count > prefix.count && lowered.starts(with: prefix) ? lowered.dropFirst(prefix.count) : lowered[...]
        return String(decoding: name, as: UTF8.self)
    }
}
