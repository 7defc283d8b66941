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

    @Option(help: "How long the token is valid: 30s, 15m, 1h.")
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
        let lifetime: Duration
        do {
            lifetime = try DurationParser.parse(ttl)
        } catch {
            throw ValidationError("--ttl: \(error)")
        }
        guard lifetime.components.seconds > 0 else { throw ValidationError("--ttl must be at least 1s") }
        let claims = DevelopmentToken.claims(
            issuer: iss, audience: aud, subject: sub, scope: scope, clientID: clientID,
            issuedAt: Int64(Date().timeIntervalSince1970), lifetimeSeconds: lifetime.components.seconds,
            tokenID: UUID().uuidString.lowercased()
        )
        print(try signingKey.jwt(claims: claims, algorithm: algorithm, type: "at+jwt"))
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
}
