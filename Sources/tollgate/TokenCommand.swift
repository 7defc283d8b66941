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

    @Option(help: "Mint this many tokens, each with its own jti and sub (<sub>-<n>), one per line (for benchmarks).")
    var count: Int = 1

    @Option(help: "Write the tokens to this file instead of standard output.")
    var out: String?

    @Option(name: .customLong("jwks-out"), help: "Also write the JWKS that verifies the tokens (the key's public JWK) to this file.")
    var jwksOut: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

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
        let issuedAt = Int64(Date().timeIntervalSince1970)
        let batch = UUID().uuidString.lowercased()
        var lines = ""
        for index in 0..<count {
            let claims = DevelopmentToken.claims(
                issuer: iss, audience: aud, subject: count == 1 ? sub : "\(sub)-\(index)", scope: scope,
                clientID: clientID, issuedAt: issuedAt, lifetimeSeconds: lifetime.components.seconds,
                tokenID: count == 1 ? batch : "\(batch)-\(index)"
            )
            lines += try signingKey.jwt(claims: claims, algorithm: algorithm, type: "at+jwt") + "\n"
        }
        if let jwksOut {
            let jwks = JSONObject(uniqueKeysWithValues: [("keys", .array([.object(signingKey.verificationJWK)]))])
            try write(jwks.jsonText + "\n", to: jwksOut, option: "--jwks-out")
        }
        if let out {
            try write(lines, to: out, option: "--out")
        } else {
            print(lines, terminator: "")
        }
    }

    private func write(_ text: String, to path: String, option: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(option) \(path): \(error.localizedDescription)")
        }
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
