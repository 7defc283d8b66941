import Foundation
import Testing
import TollgateCore

/// `tollgate token --dpop-key/--cnf-jkt` and `tollgate dpop-proof` as processes:
/// a bound token and proofs that the gateway's own verifier accepts.
@Suite struct DPoPCommandTests {
    /// RFC 7515 A.3's P-256 private key: the issuer.
    static let issuerJWK = #"{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","#
        + #""y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#
    /// RFC 8037 A.1's Ed25519 private key: the DPoP client.
    static let clientJWK = #"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","#
        + #""x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
    static let url = "https://api.example.com/orders"

    static func directory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(issuerJWK, to: "issuer.jwk")
        try directory.write(clientJWK, to: "client.jwk")
        return directory
    }

    static func token(_ binding: [String], in directory: TemporaryDirectory) throws -> (status: Int32, token: String, error: String) {
        let result = try TollgateProcess.run(["token", "--key", "issuer.jwk", "--iss", "https://i.test", "--aud", "api", "--sub", "u",
                                              "--scope", "read"] + binding, in: directory.url)
        return (result.status, result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), result.standardError)
    }

    @Test("--dpop-key binds the token to the client key; dpop-proof signs proofs the verifier accepts for that token")
    func boundTokenAndProofs() throws {
        let directory = try Self.directory()
        defer { directory.remove() }
        let minted = try Self.token(["--dpop-key", "client.jwk"], in: directory)
        #expect(minted.status == 0, "\(minted.error)")
        let client = try SigningKey(jwkJSON: Self.clientJWK)
        let jwt = try JWT(parsing: minted.token)
        #expect(jwt.claims["cnf"]?.objectValue?["jkt"]?.stringValue == client.jwkThumbprint)

        let result = try TollgateProcess.run(["dpop-proof", "--key", "client.jwk", "--method", "POST", "--url", Self.url + "?x=1",
                                              "--token", minted.token, "--count", "3", "--out", "proofs.txt"], in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        let proofs = try String(contentsOf: directory.url.appendingPathComponent("proofs.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(proofs.count == 3)
        let verifier = DPoPProofVerifier(policy: DPoPPolicy())
        let now = Int64(Date().timeIntervalSince1970)
        let verified = try proofs.map {
            try verifier.verify($0, method: "POST", uri: DPoPTargetURI(Self.url)!, accessToken: Substring(minted.token), now: now)
        }
        #expect(Set(verified.map(\.jti)).count == 3)
        #expect(verified.allSatisfy { $0.jwkThumbprint == client.jwkThumbprint })
    }

    @Test("--token-file: one proof per token line, in order, each with its own jti and that token's ath; --count N makes N passes")
    func tokenFile() throws {
        let directory = try Self.directory()
        defer { directory.remove() }
        let minted = try TollgateProcess.run(["token", "--key", "issuer.jwk", "--iss", "https://i.test", "--aud", "api", "--sub", "u",
                                              "--scope", "read", "--dpop-key", "client.jwk", "--count", "3", "--out", "tokens.txt"],
                                             in: directory.url)
        #expect(minted.status == 0, "\(minted.standardError)")
        let tokens = try String(contentsOf: directory.url.appendingPathComponent("tokens.txt"), encoding: .utf8).split(separator: "\n")
        #expect(tokens.count == 3)
        #expect(Set(tokens).count == 3)
        let verifier = DPoPProofVerifier(policy: DPoPPolicy())
        let now = Int64(Date().timeIntervalSince1970)

        let once = try TollgateProcess.run(["dpop-proof", "--key", "client.jwk", "--method", "GET", "--url", Self.url,
                                            "--token-file", "tokens.txt"], in: directory.url)
        #expect(once.status == 0, "\(once.standardError)")
        let printed = once.standardOutput.split(separator: "\n").map(String.init)
        #expect(printed.count == 3)
        let printedJTIs = try zip(printed, tokens).map { proof, token in
            try verifier.verify(proof, method: "GET", uri: DPoPTargetURI(Self.url)!, accessToken: token, now: now).jti
        }
        #expect(Set(printedJTIs).count == 3)
        #expect(throws: DPoPProofError.wrongAccessTokenHash) {
            try verifier.verify(printed[0], method: "GET", uri: DPoPTargetURI(Self.url)!, accessToken: tokens[1], now: now)
        }

        let passes = try TollgateProcess.run(["dpop-proof", "--key", "client.jwk", "--method", "GET", "--url", Self.url,
                                              "--token-file", "tokens.txt", "--count", "4", "--out", "proofs.txt"], in: directory.url)
        #expect(passes.status == 0, "\(passes.standardError)")
        #expect(passes.standardOutput.isEmpty)
        let proofs = try String(contentsOf: directory.url.appendingPathComponent("proofs.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(proofs.count == 12)
        let verified = try proofs.enumerated().map { line, proof in
            try verifier.verify(proof, method: "GET", uri: DPoPTargetURI(Self.url)!, accessToken: tokens[line % 3], now: now)
        }
        #expect(Set(verified.map(\.jti)).count == 12)
        #expect(Set(verified.map(\.jti)).isDisjoint(with: printedJTIs))
    }

    @Test("--token-file: a missing or empty file, a blank line, or --token next to it are refused, with nothing printed")
    func tokenFileRefusals() throws {
        let directory = try Self.directory()
        defer { directory.remove() }
        try directory.write("", to: "empty.txt")
        try directory.write("a.b.c\n\nd.e.f\n", to: "blank.txt")
        try directory.write("a.b.c d.e.f\n", to: "spaced.txt")
        let cases: [([String], String)] = [
            (["--token-file", "missing.txt"], "cannot read missing.txt"),
            (["--token-file", "empty.txt"], "no token in the file"),
            (["--token-file", "blank.txt"], "line 2 is not one token"),
            (["--token-file", "spaced.txt"], "line 1 is not one token"),
            (["--token-file", "blank.txt", "--token", "a.b.c"], "not both"),
        ]
        for (arguments, reason) in cases {
            let result = try TollgateProcess.run(["dpop-proof", "--key", "client.jwk", "--method", "GET", "--url", Self.url] + arguments,
                                                 in: directory.url)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardOutput.isEmpty, "\(arguments)")
            #expect(result.standardError.contains(reason), "\(arguments): \(result.standardError)")
        }
    }

    @Test("--cnf-jkt takes a thumbprint as it is; a malformed one, or both options, are refused")
    func cnfJKT() throws {
        let directory = try Self.directory()
        defer { directory.remove() }
        let thumbprint = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        let minted = try Self.token(["--cnf-jkt", thumbprint], in: directory)
        #expect(minted.status == 0)
        #expect(try JWT(parsing: minted.token).claims["cnf"]?.objectValue?["jkt"]?.stringValue == thumbprint)
        #expect(try Self.token(["--cnf-jkt", "not-a-thumbprint"], in: directory).status != 0)
        let both = try Self.token(["--cnf-jkt", thumbprint, "--dpop-key", "client.jwk"], in: directory)
        #expect(both.status != 0)
        #expect(both.error.contains("not both"))
    }

    @Test("dpop-proof refuses a relative URL, an HMAC key and an alg that does not fit the key")
    func refusals() throws {
        let directory = try Self.directory()
        defer { directory.remove() }
        try directory.write(#"{"kty":"oct","k":"YS1zaGFyZWQtc2VjcmV0LW9mLWF0LWxlYXN0LTMyLWJ5dGVz"}"#, to: "secret.jwk")
        let cases: [[String]] = [
            ["--key", "client.jwk", "--method", "GET", "--url", "/orders"],
            ["--key", "secret.jwk", "--method", "GET", "--url", Self.url],
            ["--key", "client.jwk", "--method", "GET", "--url", Self.url, "--alg", "ES256"],
        ]
        for arguments in cases {
            let result = try TollgateProcess.run(["dpop-proof"] + arguments, in: directory.url)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardOutput.isEmpty)
        }
    }
}
