import Foundation
import TollgateCore

/// A token issuer for integration tests: a generated key whose public JWKS is
/// written to a file the gateway's `jwks_file` names, and tokens minted with it.
struct TestIssuer: Sendable {
    static let shared = try! TestIssuer(name: "test-issuer", issuer: "https://issuer.test", family: .ec(.p256))

    let name: String
    let issuer: String
    let audience = "api.test"
    let key: SigningKey
    let jwksPath: String

    init(name: String, issuer: String, family: KeyFamily) throws {
        self.name = name
        self.issuer = issuer
        key = try SigningKey.generate(family, keyID: "\(name)-key")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-issuer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        jwksPath = directory.appendingPathComponent("jwks.json").path
        let jwks = JSONObject(uniqueKeysWithValues: [("keys", .array([.object(key.verificationJWK)]))])
        try jwks.jsonText.write(toFile: jwksPath, atomically: true, encoding: .utf8)
    }

    /// The `issuers:` entry for this issuer (indented as a list item).
    var yaml: String {
        """
          - name: \(name)
            issuer: \(issuer)
            audiences: [\(audience)]
            jwks_file: \(jwksPath)
        """
    }

    /// A token issued a minute ago that expires `expiresIn` seconds from now
    /// (negative: already expired).
    func token(
        scope: String,
        subject: String = "user-1",
        clientID: String? = nil,
        audience: String? = nil,
        expiresIn: Int64 = 300
    ) throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims = DevelopmentToken.claims(
            issuer: issuer, audience: audience ?? self.audience, subject: subject, scope: scope, clientID: clientID,
            issuedAt: now - 60, lifetimeSeconds: 60 + expiresIn, tokenID: UUID().uuidString
        )
        return try key.jwt(claims: claims)
    }
}
