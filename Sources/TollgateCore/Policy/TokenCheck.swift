/// What step 7 (the token) concluded for one request, carried on the core's
/// decision so the server can count verifications by result, count token-cache
/// hits and misses, and write the access log's `subject`, `client_id` and
/// `token_cache` without looking at the token itself. Holds no part of the token.
public struct TokenCheck: Sendable, Hashable {
    /// Whether the per-loop token cache was consulted, and whether it held the token.
    public enum CacheUse: UInt8, Sendable, Hashable {
        /// No token was checked (no token, `auth: none`, or refused before step 7).
        case none
        case hit
        case miss

        /// The access log's `token_cache` value.
        public var label: String {
            switch self {
            case .none: "none"
            case .hit: "hit"
            case .miss: "miss"
            }
        }
    }

    /// The verdict on a presented token: `ok`, or why it was not accepted.
    /// Bounded, so it can be a metric label; raw values index fixed counter arrays.
    public enum Result: Int, Sendable, Hashable, CaseIterable {
        case ok
        case malformed
        case algorithmNotAllowed
        case unknownKeyID
        case keyMismatch
        case badSignature
        case expired
        case notYetValid
        case wrongIssuer
        case wrongAudience
        case wrongType
        case invalidClaim
        /// Introspection answered `active: false`.
        case inactive
        /// The token's issuer is not among the route's `issuers`.
        case issuerNotAllowed
        /// The token's issuer has no keys yet (503).
        case keysPending
        /// The introspection endpoint could not be asked or answered unusably (503).
        case introspectionFailed
        /// Two Authorization headers, or an empty bearer token (400).
        case invalidRequest
        /// The DPoP proof was missing or invalid (RFC 9449).
        case invalidDPoPProof
        /// The DPoP proof's `jti` was seen before within its window.
        case dpopReplayed
        /// The replay store could not answer (memory store full, Redis unreachable or slow): refused, fail closed.
        case replayStoreUnavailable
        /// A sender-constrained token presented without its binding (DPoP key or client certificate).
        case bindingMismatch

        /// The metric label (`tollgate_token_verifications_total{result=…}`).
        public var label: String {
            switch self {
            case .ok: "ok"
            case .malformed: "malformed"
            case .algorithmNotAllowed: "alg_not_allowed"
            case .unknownKeyID: "unknown_kid"
            case .keyMismatch: "key_mismatch"
            case .badSignature: "bad_signature"
            case .expired: "expired"
            case .notYetValid: "not_yet_valid"
            case .wrongIssuer: "wrong_issuer"
            case .wrongAudience: "wrong_audience"
            case .wrongType: "wrong_typ"
            case .invalidClaim: "invalid_claim"
            case .inactive: "inactive"
            case .issuerNotAllowed: "issuer_not_allowed"
            case .keysPending: "keys_pending"
            case .introspectionFailed: "introspection_failed"
            case .invalidRequest: "invalid_request"
            case .invalidDPoPProof: "invalid_dpop_proof"
            case .dpopReplayed: "dpop_replayed"
            case .replayStoreUnavailable: "replay_store_unavailable"
            case .bindingMismatch: "binding_mismatch"
            }
        }

        /// The result a token error stands for.
        public init(_ error: TokenError) {
            switch error {
            case .malformed: self = .malformed
            case .unsigned, .unsupportedAlgorithm, .algorithmNotAllowed: self = .algorithmNotAllowed
            case .unknownKeyID: self = .unknownKeyID
            case .noUsableKey: self = .keyMismatch
            case .badSignature: self = .badSignature
            case .expired: self = .expired
            case .notYetValid, .issuedInFuture: self = .notYetValid
            case .wrongIssuer: self = .wrongIssuer
            case .wrongAudience: self = .wrongAudience
            case .wrongType: self = .wrongType
            case .missingClaim, .invalidClaim: self = .invalidClaim
            }
        }
    }

    public var cache: CacheUse
    /// Nil when no token was checked.
    public var result: Result?
    /// The accepted token's `sub`, for the access log.
    public var subject: String?
    /// The accepted token's client (`client_id`/`azp`), for the access log.
    public var clientID: String?

    public init(cache: CacheUse, result: Result?, subject: String? = nil, clientID: String? = nil) {
        self.cache = cache
        self.result = result
        self.subject = subject
        self.clientID = clientID
    }

    /// No token was checked.
    public static let notChecked = TokenCheck(cache: .none, result: nil)

    /// An accepted token, from the cache or not.
    public static func accepted(_ principal: Principal, cache: CacheUse) -> TokenCheck {
        TokenCheck(cache: cache, result: .ok, subject: principal.subject, clientID: principal.clientID)
    }

    /// A refused token (the cache was looked up and did not hold it, unless `cache` says otherwise).
    public static func refused(_ result: Result, cache: CacheUse = .miss) -> TokenCheck {
        TokenCheck(cache: cache, result: result)
    }
}
