/// A verified token as the rest of the request path needs it, computed once
/// on verification and kept in the per-loop token cache: the claims, the
/// issuer's index, the granted scopes as a bitset (implications applied), and
/// the identity headers to forward. A cache hit does no parsing and no crypto.
public struct Principal: CachedToken {
    public let token: VerifiedToken
    /// Index into the snapshot's issuers.
    public let issuerIndex: Int
    public let granted: ScopeSet
    /// `forward.headers` set from this token's claims (absent claims are left out).
    public let identityHeaders: [HeaderField]

    public init(token: VerifiedToken, issuerIndex: Int, granted: ScopeSet, identityHeaders: [HeaderField]) {
        self.token = token
        self.issuerIndex = issuerIndex
        self.granted = granted
        self.identityHeaders = identityHeaders
    }

    public var issuer: String { token.issuer }
    public var expiresAt: Int64 { token.expiresAt }
    public var keyIdentity: KeyIdentity { token.keyIdentity }
    public var clientID: String? { token.clientID }
}
