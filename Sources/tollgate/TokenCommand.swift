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

    @Option(name: .customLong("cnf-jkt"), help: "Bind the token to a DPoP key: its RFC 7638 thumbprint, as cnf.jkt.")
    var cnfJKT: String?

    @Option(name: .customLong("dpop-key"), help: "Bind the token to the DPoP key in this file (JWK or PEM; its thumbprint becomes cnf.jkt).")
    var dpopKey: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        if cnfJKT != nil, dpopKey != nil { throw ValidationError("give --cnf-jkt or --dpop-key, not both") }
        if let cnfJKT, Base64URL.decode(cnfJKT)?.count != 32 {
            throw ValidationError("--cnf-jkt must be an RFC 7638 thumbprint: the base64url SHA-256 of a JWK (43 characters)")
        }
    }

    /// `cnf` from `--cnf-jkt` or `--dpop-key`, if either is given.
    private func confirmation() throws -> TokenConfirmation? {
        if let cnfJKT { return TokenConfirmation(jwkThumbprint: cnfJKT) }
        guard let dpopKey else { return nil }
        guard let thumbprint = try CommandFile.signingKey(dpopKey, option: "--dpop-key").jwkThumbprint else {
            throw ValidationError("--dpop-key \(dpopKey): a DPoP key must be asymmetric (EC, RSA or Ed25519)")
        }
        return TokenConfirmation(jwkThumbprint: thumbprint)
    }

    func run() throws {
        var signingKey = try CommandFile.signingKey(key, option: "--key")
        let confirmation = try confirmation()
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
                tokenID: count == 1 ? batch : "\(batch)-\(index)", confirmation: confirmation
            )
            lines += try signingKey.jwt(claims: claims, algorithm: algorithm, type: "at+jwt") + "\n"
        }
        if let jwksOut {
            let jwks = JSONObject(uniqueKeysWithValues: [("keys", .array([.object(signingKey.verificationJWK)]))])
            try CommandFile.write(jwks.jsonText + "\n", to: jwksOut, option: "--jwks-out")
        }
        if let out {
            try CommandFile.write(lines, to: out, option: "--out")
        } else {
            print(lines, terminator: "")
        }
    }
}
