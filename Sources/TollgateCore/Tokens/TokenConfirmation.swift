/// A token's confirmation claim (`cnf`, RFC 7800): the key or certificate it
/// is bound to. Extracted once at verification and kept in the cache entry,
/// so that a cache hit still checks the binding.
public struct TokenConfirmation: Sendable, Hashable {
    /// `cnf.jkt`: the RFC 7638 thumbprint of the DPoP key (RFC 9449 §6.1).
    public var jwkThumbprint: String?
    /// `cnf.x5t#S256`: the base64url SHA-256 of the client certificate (RFC 8705 §3.1).
    public var certificateThumbprint: String?

    public init(jwkThumbprint: String? = nil, certificateThumbprint: String? = nil) {
        self.jwkThumbprint = jwkThumbprint
        self.certificateThumbprint = certificateThumbprint
    }

    /// Reads `cnf` from claims or an introspection response: nil without one;
    /// a `cnf` that is not an object, or whose `jkt`/`x5t#S256` is not a
    /// non-empty string, is an invalid claim.
    public init?(claims: JSONObject) throws(TokenError) {
        try self.init(cnf: claims["cnf"])
    }

    /// Reads a `cnf` claim's value (`nil`: the claim is absent).
    public init?(cnf: JSONValue?) throws(TokenError) {
        guard let value = cnf else { return nil }
        guard let cnf = value.objectValue else { throw .invalidClaim("cnf", "is not an object") }
        jwkThumbprint = try Self.member("jkt", of: cnf)
        certificateThumbprint = try Self.member("x5t#S256", of: cnf)
        if jwkThumbprint == nil, certificateThumbprint == nil { return nil }
    }

    private static func member(_ name: String, of cnf: JSONObject) throws(TokenError) -> String? {
        guard let value = cnf[name] else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw .invalidClaim("cnf", "member \(name) is not a non-empty string") }
        return text
    }
}
