import Foundation
import Logging
import TollgateCore

/// Asks the introspection issuer about opaque tokens (RFC 7662): a form POST
/// of `token=…` with client_secret_basic authentication (RFC 6749 §2.3.1),
/// through the process-wide `IntrospectionCache`. The secret comes from the
/// environment variable `client_secret_env` names, and neither it nor a token
/// is ever logged.
final class Introspector: Sendable {
    let issuerIndex: Int
    private let issuerName: String
    private let endpoint: String
    private let caFile: String?
    /// `Basic base64(urlencode(client_id) ":" urlencode(secret))`.
    private let authorization: String
    private let cache: IntrospectionCache
    /// The process's introspection calls in flight, handed on across reloads.
    var budget: IntrospectionCallBudget { cache.budget }
    private let client: FetchClient
    private let metrics: ProcessMetrics
    private let logger: Logger

    /// How long one introspection call may take; the request waits for it.
    static let timeout = Duration.seconds(5)

    /// `budget`: the calls in flight, shared with the introspector this one replaces on a reload.
    init(issuerIndex: Int, issuer: CompiledIssuer, config: IntrospectionConfig, cacheCapacity: Int, budget: IntrospectionCallBudget,
         environment: [String: String], client: FetchClient, metrics: ProcessMetrics, logger: Logger) throws(IntrospectionSetupError) {
        let variable = config.clientSecretEnv.value
        guard let secret = environment[variable], !secret.isEmpty else {
            throw IntrospectionSetupError(issuer: issuer.name, variable: variable)
        }
        self.issuerIndex = issuerIndex
        issuerName = issuer.name
        endpoint = config.endpoint.value
        caFile = issuer.config.caFile?.value
        let credentials = Self.formEncoded(config.clientId) + ":" + Self.formEncoded(secret)
        authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        cache = IntrospectionCache(capacity: cacheCapacity, ttl: config.cacheTTL, maxInFlight: config.maxInFlight, budget: budget)
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// The answer for `token`: at once from the cache (returned), or later
    /// through `completion` (nil returned) — from the call this request
    /// starts, or from the one already in flight for the same token; with
    /// `max_in_flight` calls already running, `completion` gets nil at once.
    func introspect(_ token: String, completion: @escaping IntrospectionCache.Completion) -> IntrospectionResult? {
        switch cache.lookup(token, nowMilliseconds: Self.nowMilliseconds(), completion: completion) {
        case .cached(let result):
            return result
        case .pending(let startCall):
            if startCall {
                Task { [self] in
                    let result = await call(token)
                    cache.finish(token, result: result, nowMilliseconds: Self.nowMilliseconds())
                }
            }
            return nil
        case .shed:
            metrics.introspected(.shed)
            completion(nil)
            return nil
        }
    }

    /// One POST to the endpoint; nil (and a warning) when no usable answer came.
    private func call(_ token: String) async -> IntrospectionResult? {
        let form = "token=" + Self.formEncoded(token) + "&token_type_hint=access_token"
        do {
            let body = try await client.postForm(
                endpoint, form: form, headers: [("authorization", authorization)], caFile: caFile, timeout: Self.timeout
            )
            let result = try IntrospectionResult(parsing: body)
            metrics.introspected(result.active ? .active : .inactive)
            return result
        } catch {
            metrics.introspected(.error)
            logger.warning("issuer '\(issuerName)': introspection failed: \(error)")
            return nil
        }
    }

    /// `application/x-www-form-urlencoded` for one value: unreserved characters as they are, the rest percent-encoded.
    static func formEncoded(_ value: String) -> String {
        var encoded = ""
        encoded.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }

    private static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// The introspection issuer's secret is missing from the environment: the
/// gateway does not start (or a reload is refused) rather than fail every opaque token.
struct IntrospectionSetupError: Error, CustomStringConvertible {
    var issuer: String
    var variable: String

    var description: String {
        "issuer '\(issuer)': the environment variable \(variable) (client_secret_env) is not set or empty"
    }
}
