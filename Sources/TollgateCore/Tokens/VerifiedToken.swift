/// What the rest of the request pipeline needs from a verified JWT, extracted
/// once so that a cache hit involves no parsing: who (subject, client), what
/// (scopes), until when, verified by which key, and the claims to forward.
public struct VerifiedToken: Sendable, Equatable {
    /// The configured name of the issuer whose policy accepted the token.
    public let issuer: String
    public let subject: String?
    /// `client_id`, else `azp` (or the issuer's `client_id_claim`).
    public let clientID: String?
    /// The granted scopes as the token states them, before implications.
    public let scopeClaim: TokenScopes
    /// `exp`, in whole seconds since the epoch (rounded down).
    public let expiresAt: Int64
    public let algorithm: JWSAlgorithm
    /// The `kid` of the key that verified the signature, when it has one.
    public let keyID: String?
    /// The identity of the key that verified the signature.
    public let keyIdentity: KeyIdentity
    /// One value per name in the verifier's `forwardedClaims`, in that order;
    /// `nil` where the token has no such claim. Safe to put in a header.
    public let forwardedClaims: [String?]
    /// The key or certificate the token is bound to (`cnf`), if any.
    public let confirmation: TokenConfirmation?

    public init(
        issuer: String,
        subject: String?,
        clientID: String?,
        scopes: TokenScopes,
        expiresAt: Int64,
        algorithm: JWSAlgorithm,
        keyID: String?,
        keyIdentity: KeyIdentity,
        forwardedClaims: [String?],
        confirmation: TokenConfirmation? = nil
    ) {
        self.confirmation = confirmation
        self.issuer = issuer
        self.subject = subject
        self.clientID = clientID
        scopeClaim = scopes
        self.expiresAt = expiresAt
        self.algorithm = algorithm
        self.keyID = keyID
        self.keyIdentity = keyIdentity
        self.forwardedClaims = forwardedClaims
    }

    /// The granted scope strings, in order, before implications.
    public var scopes: [String] { scopeClaim.strings }
}
