/// A verified token as the rest of the request path needs it, computed once
/// on verification: who (issuer, subject, client), the granted scopes as a
/// bitset (implications applied), until when, and the identity headers to
/// forward. JWT principals are kept in the per-loop token cache, so a hit does
/// no parsing and no crypto; introspected ones are rebuilt from the
/// process-wide introspection cache.
///
/// A class, immutable: a cache hit hands the request path one reference
/// instead of a copy of a dozen fields (strings, arrays, the verified token),
/// each retained on the way in and released on the way out.
public final class Principal: CachedToken {
    /// How the token was accepted.
    public enum Evidence: Sendable {
        /// A JWT whose signature and claims were verified against its issuer's keys.
        case signature(VerifiedToken)
        /// An opaque token the introspection endpoint called active.
        case introspection(IntrospectionResult)
        /// `tollgate explain --scopes`: an operator's what-if, never built from a request.
        case assumed(scopes: [String])
    }

    /// The configured name of the issuer that accepted the token.
    public let issuer: String
    /// Index into the snapshot's issuers.
    public let issuerIndex: Int
    public let subject: String?
    public let clientID: String?
    public let expiresAt: Int64
    public let granted: ScopeSet
    /// `forward.headers` set from this token's claims (absent claims are left out).
    public let identityHeaders: [HeaderField]
    public let evidence: Evidence
    /// The key or certificate the token is bound to (`cnf`), checked on every request, cache hits included.
    public let confirmation: TokenConfirmation?

    /// A principal from a verified JWT.
    public init(token: VerifiedToken, issuerIndex: Int, granted: ScopeSet, identityHeaders: [HeaderField]) {
        issuer = token.issuer
        self.issuerIndex = issuerIndex
        subject = token.subject
        clientID = token.clientID
        expiresAt = token.expiresAt
        self.granted = granted
        self.identityHeaders = identityHeaders
        evidence = .signature(token)
        confirmation = token.confirmation
    }

    /// A principal from an active introspection response.
    public init(
        introspection: IntrospectionResult,
        issuer: String,
        issuerIndex: Int,
        subject: String?,
        clientID: String?,
        granted: ScopeSet,
        identityHeaders: [HeaderField],
        confirmation: TokenConfirmation? = nil
    ) {
        self.confirmation = confirmation
        self.issuer = issuer
        self.issuerIndex = issuerIndex
        self.subject = subject
        self.clientID = clientID
        expiresAt = introspection.expiresAt ?? .max
        self.granted = granted
        self.identityHeaders = identityHeaders
        evidence = .introspection(introspection)
    }

    /// A what-if principal for `tollgate explain --scopes "a b" [--client-id C]`.
    public init(assumingScopes scopes: [String], clientID: String?, issuerIndex: Int, issuer: String, in universe: ScopeUniverse) {
        self.issuer = issuer
        self.issuerIndex = issuerIndex
        subject = nil
        self.clientID = clientID
        expiresAt = .max
        granted = universe.granted(by: scopes)
        identityHeaders = []
        evidence = .assumed(scopes: scopes)
        confirmation = nil
    }

    /// The scopes the token carries, as written in it.
    public var tokenScopes: [String] {
        switch evidence {
        case .signature(let token): token.scopes
        case .introspection(let result): result.members["scope"]?.stringValue.map(ScopeString.split) ?? []
        case .assumed(let scopes): scopes
        }
    }

    /// The key that verified a JWT. An introspected token has none: it gets
    /// `KeyIdentity.introspection`, which no key set contains, so the per-loop
    /// cache (which holds JWT principals only) would drop it on its first hit.
    public var keyIdentity: KeyIdentity {
        switch evidence {
        case .signature(let token): token.keyIdentity
        case .introspection, .assumed: .introspection
        }
    }
}

extension KeyIdentity {
    /// Stands for "no key": JWK thumbprints are base64url SHA-256 digests, never this word.
    public static let introspection = KeyIdentity(thumbprint: "introspection")
}
