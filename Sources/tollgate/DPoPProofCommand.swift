import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate dpop-proof`: signs DPoP proofs (RFC 9449) with a client's key, to
/// try a DPoP-bound token by hand or to feed a load run, where every request
/// needs a proof of its own.
struct DPoPProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpop-proof",
        abstract: "Sign DPoP proofs for a request (for development and load runs).",
        discussion: """
            Each proof has its own jti and iat = now, so it is accepted once, within the \
            issuer's dpop.max_age (60s by default) plus its leeway.
            """
    )

    @Option(help: "The client's private key file: a JWK (JSON) or PEM (EC, RSA, Ed25519).")
    var key: String

    @Option(help: "The request method (htm), e.g. GET.")
    var method: String

    @Option(help: "The request URL (htu) as the client sends it; a query or fragment is left out of the proof.")
    var url: String

    @Option(help: "The access token the proof goes with (sets ath).")
    var token: String?

    @Option(help: ArgumentHelp(
        "A file of access tokens, one per line: one proof per token, in the file's order, each with that token's ath.",
        discussion: "With --count N, N passes through the file: proof line k goes with token line k mod (tokens in the file)."
    ))
    var tokenFile: String?

    @Option(help: "The signature algorithm (default: by key type: ES256/384/512, RS256 or EdDSA).")
    var alg: String?

    @Option(help: "Sign this many proofs, one per line (with --token-file: this many per token).")
    var count: Int = 1

    @Option(help: "Write the proofs to this file instead of standard output.")
    var out: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        if token != nil, tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
        guard DPoPTargetURI(url) != nil else { throw ValidationError("--url must be an absolute http:// or https:// URL") }
        guard !method.isEmpty, method.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw ValidationError("--method must be an HTTP method such as GET") }
    }

    func run() throws {
        let signingKey = try CommandFile.signingKey(key, option: "--key")
        guard signingKey.family != .hmac else { throw ValidationError("--key \(key): a DPoP key must be asymmetric (EC, RSA or Ed25519)") }
        var algorithm: JWSAlgorithm?
        if let alg {
            guard let named = JWSAlgorithm(jose: alg), !named.isSymmetric, named.keyFamily == signingKey.family else {
                throw ValidationError("--alg \(alg) does not fit the key (\(signingKey.family))")
            }
            algorithm = named
        }
        let tokens: [String?] = try tokenFile.map(Self.tokens(in:)) ?? [token]
        let issuedAt = Int64(Date().timeIntervalSince1970)
        let batch = UUID().uuidString.lowercased()
        let total = count * tokens.count
        var lines = ""
        for index in 0..<total {
            lines += try signingKey.dpopProof(
                method: method, url: url, accessToken: tokens[index % tokens.count], issuedAt: issuedAt,
                jti: total == 1 ? batch : "\(batch)-\(index)", algorithm: algorithm
            ) + "\n"
        }
        if let out {
            try CommandFile.write(lines, to: out, option: "--out")
        } else {
            print(lines, terminator: "")
        }
    }

    /// The tokens of `--token-file`, one per line (a final newline is optional); a blank line or no token is an error.
    static func tokens(in path: String) throws -> [String] {
        let text: String
        do {
            text = try TextFile.contents(of: path)
        } catch {
            throw ValidationError("--token-file: \(error.description)")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw ValidationError("--token-file \(path): no token in the file") }
        return try lines.enumerated().map { number, line in
            guard !line.isEmpty, !line.contains(where: \.isWhitespace) else {
                throw ValidationError("--token-file \(path): line \(number + 1) is not one token (blank, or with spaces)")
            }
            return String(line)
        }
    }
}
