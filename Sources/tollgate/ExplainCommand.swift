import ArgumentParser
import Foundation
import TollgateCore
import TollgateServer

/// `tollgate explain`: walks SPEC's order of checks for one request on a
/// config, with the gateway's own decision code, and says why.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain what the gateway would do with one request.",
        discussion: """
            Prints the route matched, the CORS verdict, the token (verified with the issuers' \
            jwks_file keys, or assumed from --scopes), the scopes the route requires and the \
            implication that granted each, and the decision (admit, or the status and error). \
            Exits 0 when the request would be admitted (or a preflight answered), 2 when refused.
            Example: tollgate explain GET https://api.example.com/api/v1/apps --scopes "admin.apps"
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = "conf/tollgate.yaml"

    @Argument(help: "The request method (GET, POST, …).")
    var method: String

    @Argument(help: "The URL (scheme://host/path?query) or just /path?query.")
    var url: String

    @Option(name: .long, help: "The request's Origin header.")
    var origin: String?

    @Option(name: .long, help: "A bearer token to verify (jwks_file issuers only).")
    var token: String?

    @Option(name: .long, help: "Assume a token holding these space-separated scopes instead of --token.")
    var scopes: String?

    @Option(name: .customLong("client-id"), help: "With --scopes: the assumed token's client id.")
    var clientID: String?

    func validate() throws {
        if token != nil, scopes != nil { throw ValidationError("give --token or --scopes, not both") }
        if clientID != nil, scopes == nil { throw ValidationError("--client-id goes with --scopes") }
    }

    func run() throws {
        let snapshot = try ConfigFile.loadForCommand(config)
        let (scheme, host, target) = Self.split(url)
        var authorization = RequestFacts.Authorization.absent
        if let token { authorization = .one("Bearer \(token)") }
        if scopes != nil { authorization = .one("Bearer assumed-by-explain") }
        let facts = RequestFacts(method: method, target: target, host: host, authorization: authorization, origin: origin, scheme: scheme)

        let keySets: [JWKSet?]
        do {
            keySets = try KeyFiles.load(snapshot)
        } catch {
            ConfigFile.printError("\(error)")
            throw ExitCode(1)
        }
        let state = VerificationState(snapshot: snapshot, keySets: keySets)
        let assumed = scopes.map { scopes in
            Principal(
                assumingScopes: scopes.split(separator: " ").map(String.init),
                clientID: clientID,
                issuerIndex: 0,
                issuer: snapshot.issuers.first?.name ?? "-",
                in: snapshot.scopes
            )
        }
        let explanation = Explanation(
            snapshot: snapshot, facts: facts, state: state, now: Int64(Date().timeIntervalSince1970), assumed: assumed
        )
        for line in explanation.lines { print(line) }
        if !explanation.admitted { throw ExitCode(2) }
    }

    /// `https://host:8443/p?q` → ("https", "host:8443", "/p?q"); `/p` → ("http", nil, "/p").
    static func split(_ url: String) -> (scheme: String, host: String?, target: String) {
        guard let range = url.range(of: "://") else { return ("http", nil, url) }
        let scheme = String(url[..<range.lowerBound]).lowercased()
        let rest = url[range.upperBound...]
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var target = String(rest[slash...])
        if target.isEmpty || target.first == "?" { target = "/" + target }
        return (scheme, String(rest[..<slash]), target)
    }
}
