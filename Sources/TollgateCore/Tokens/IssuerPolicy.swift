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
        self.requiredType = requiredType.map(Self.normalizedType)
        self.scopeClaim = scopeClaim
        self.clientIDClaim = clientIDClaim
        issuerAndAudiencesAreASCII = ([issuer] + audiences).allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
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

    /// `typ` values compare case-insensitively, and `application/at+jwt` equals
    /// `at+jwt` (RFC 7515 §4.1.9, RFC 9068 §2.1).
    static func normalizedType(_ type: String) -> String {
        let lowered = type.lowercased()
        return lowered.hasPrefix("application/") ? String(lowered.dropFirst("application/".count)) : lowered
    }

    /// Whether `type` names the media type `normalized` (lower case, without
    /// `application/`), comparing ASCII letters case-insensitively as media
    /// types are (RFC 2045 §5.1), without building a string: `lowercased()`
    /// on every token was 0.3% of a verification in the micro-benchmark.
    static func typeMatches(_ type: String, normalized: String) -> Bool {
        var type = type
        var normalized = normalized
        let prefix: StaticString = "application/"
        let prefixBytes = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return type.withUTF8 { text in
            normalized.withUTF8 { expected in
                var rest = text[...]
                if text.count > prefixBytes.count, equalIgnoringASCIICase(text[..<prefixBytes.count], prefixBytes) {
                    rest = text[prefixBytes.count...]
                }
                return equalIgnoringASCIICase(rest, expected)
            }
        }
    }

    private static func equalIgnoringASCIICase(_ text: Slice<UnsafeBufferPointer<UInt8>>, _ lowercase: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count == lowercase.count else { return false }
        for (byte, expected) in zip(text, lowercase) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != expected { return false }
        }
        return true
    }
}
