/// The `error` codes of the gateway's own JSON responses (SPEC's error table),
/// each with the HTTP status it always travels with.
public enum GatewayErrorCode: String, Sendable, Hashable {
    case invalidRequest = "invalid_request"
    case unauthorized
    case invalidToken = "invalid_token"
    /// RFC 9449 §7.1: the DPoP proof is missing, invalid or replayed.
    case invalidDPoPProof = "invalid_dpop_proof"
    case insufficientScope = "insufficient_scope"
    case originNotAllowed = "origin_not_allowed"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case requestTimeout = "request_timeout"
    case payloadTooLarge = "payload_too_large"
    case uriTooLong = "uri_too_long"
    case requestHeaderFieldsTooLarge = "request_header_fields_too_large"
    /// RFC 9112 §6.1: a request body in a transfer coding other than chunked.
    case notImplemented = "not_implemented"
    case badGateway = "bad_gateway"
    case temporarilyUnavailable = "temporarily_unavailable"
    case upstreamUnavailable = "upstream_unavailable"
    case gatewayTimeout = "gateway_timeout"

    public var status: Int {
        switch self {
        case .invalidRequest: 400
        case .unauthorized, .invalidToken, .invalidDPoPProof: 401
        case .insufficientScope, .originNotAllowed: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .requestTimeout: 408
        case .payloadTooLarge: 413
        case .uriTooLong: 414
        case .requestHeaderFieldsTooLarge: 431
        case .notImplemented: 501
        case .badGateway: 502
        case .temporarilyUnavailable, .upstreamUnavailable: 503
        case .gatewayTimeout: 504
        }
    }
}
