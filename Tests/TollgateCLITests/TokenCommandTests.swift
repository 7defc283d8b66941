import Foundation
import Testing
import TollgateCore

/// `tollgate token --count N --out FILE --jwks-out FILE` as a process: the
/// benchmark harness mints its rotating token sets and the gateway's JWKS this way.
@Suite struct TokenCommandTests {
    private static let arguments = ["token", "--key", "key.jwk", "--iss", "https://issuer.test", "--aud", "api",
                                    "--sub", "user", "--scope", "apps:read"]

    /// Private JWKs of RFC 7515 A.3 (P-256) and RFC 8037 A.1 (Ed25519), with a `kid` added.
    private static let privateJWKs = [
        #"{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","#
            + #""y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
        #"{"kty":"OKP","crv":"Ed25519","kid":"k1","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","#
            + #""x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    ]

    private static func directoryWithKey(_ jwk: String = privateJWKs[1]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(jwk, to: "key.jwk")
        return directory
    }

    @Test(arguments: privateJWKs)
    func mintsDistinctTokensThatTheWrittenJWKSVerifies(_ jwk: String) throws {
        let directory = try Self.directoryWithKey(jwk)
        defer { directory.remove() }
        let result = try TollgateProcess.run(
            Self.arguments + ["--count", "3", "--out", "tokens.txt", "--jwks-out", "jwks.json"], in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "")
        let tokens = try String(contentsOf: directory.url.appendingPathComponent("tokens.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(tokens.count == 3)
        #expect(Set(tokens).count == 3)
        let jwks = try JWKSet(parsing: Array(Data(contentsOf: directory.url.appendingPathComponent("jwks.json"))))
        #expect(jwks.keys.count == 1)
        let jwksText = try String(contentsOf: directory.url.appendingPathComponent("jwks.json"), encoding: .utf8)
        #expect(!jwksText.contains("\"d\""), "the JWKS holds no private member")
        let verifier = JWTVerifier(policy: IssuerPolicy(name: "i", issuer: "https://issuer.test", audiences: ["api"]))
        let now = Int64(Date().timeIntervalSince1970)
        let verified = try tokens.map { try verifier.verify($0, keys: jwks, now: now) }
        #expect(verified.map(\.subject) == ["user-0", "user-1", "user-2"])
        #expect(verified.allSatisfy { $0.scopes == ["apps:read"] && $0.keyID == "k1" })
    }

    @Test func oneTokenKeepsTheGivenSubjectAndGoesToStandardOutput() throws {
        let directory = try Self.directoryWithKey()
        defer { directory.remove() }
        let result = try TollgateProcess.run(Self.arguments, in: directory.url)
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.split(separator: ".").count == 3)
    }

    @Test(arguments: ["0", "-5", "many"])
    func rejectsABadCount(_ count: String) throws {
        let directory = try Self.directoryWithKey()
        defer { directory.remove() }
        let result = try TollgateProcess.run(Self.arguments + ["--count", count, "--out", "tokens.txt"], in: directory.url)
        #expect(result.status != 0)
        #expect(result.standardError.contains("--count"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("tokens.txt").path))
    }

    @Test func anUnwritableOutIsOneClearError() throws {
        let directory = try Self.directoryWithKey()
        defer { directory.remove() }
        let result = try TollgateProcess.run(Self.arguments + ["--out", "missing/dir/tokens.txt"], in: directory.url)
        #expect(result.status != 0)
        #expect(result.standardError.contains("cannot write --out missing/dir/tokens.txt"))
    }
}
