import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate token`: mints a signed RFC 9068 access token from a private key
/// file, for development and benchmarks.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a signed access token (for development and benchmarks)."
    )

    @Option(help: "The private key file: a JWK (JSON) or PEM (RSA, EC, Ed25519; oct JWK for HS*).")
    var key: String

    @Option(help: "The signature algorithm (default: the JWK's alg, else RS256, ES256/384/512, EdDSA or HS256 by key type).")
    var alg: String?

    @Option(help: "The kid header (default: the JWK's kid).")
    var kid: String?

    @Option(help: "The iss claim.")
    var iss: String

    @Option(help: "The aud claim.")
    var aud: String

    @Option(help: "The sub claim.")
    var sub: String

    @Option(help: "The granted scopes, space-separated.")
    var scope: String

    @Option(name: .customLong("client-id"), help: "The client_id claim.")
    var clientID: String?

    @Option(help: "How long the token is valid: 30s, 15m, 1h, 7d.")
    var ttl: String = "1h"

    func run() throws {
        var signingKey = try loadKey()
        if let kid { signingKey.keyID = kid }
        var algorithm = signingKey.defaultAlgorithm
        if let alg {
            guard let named = JWSAlgorithm(jose: alg) else {
                throw ValidationError("unknown --alg \(alg); one of \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            algorithm = named
        }
        guard let lifetime = Self.seconds(ttl), lifetime > 0 else {
            throw ValidationError("--ttl must be a positive whole number of s, m, h or d, like 1h")
        }
        let now = Int64(Date().timeIntervalSince1970)
        var claims: [(String, JSONValue)] = [
            ("iss", .string(iss)), ("sub", .string(sub)), ("aud", .string(aud)),
            ("iat", .number(JSONNumber(now))), ("exp", .number(JSONNumber(now + lifetime))),
            ("scope", .string(scope)), ("jti", .string(UUID().uuidString.lowercased())),
        ]
        if let clientID { claims.append(("client_id", .string(clientID))) }
        print(try signingKey.jwt(claims: JSONObject(uniqueKeysWithValues: claims), algorithm: algorithm, type: "at+jwt"))
    }

    private func loadKey() throws -> SigningKey {
        let text: String
        do {
            text = try String(contentsOfFile: key, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read --key \(key): \(error.localizedDescription)")
        }
        do {
            if text.contains("-----BEGIN") { return try SigningKey(pem: text) }
            return try SigningKey(jwkJSON: text)
        } catch {
            throw ValidationError("--key \(key): \(error)")
        }
    }

    /// `30s`, `15m`, `1h`, `7d` as seconds. The config's DurationParser is stricter
    /// and wider; a token lifetime needs only whole seconds.
    private static func seconds(_ text: String) -> Int64? {
        guard let unit = text.last, let amount = Int64(text.dropLast()) else { return nil }
        let multiplier: Int64 = switch unit {
        case "s": 1
        case "m": 60
        case "h": 3600
        case "d": 86400
        default: 0
        }
        let (seconds, overflow) = amount.multipliedReportingOverflow(by: multiplier)
        return overflow || multiplier == 0 ? nil : seconds
    }
}
