import ArgumentParser
import Foundation
import Logging
import NIOPosix
import TollgateCore
import TollgateServer

/// `tollgate demo`: the gateway in front of an embedded echo upstream, on an
/// embedded config with a freshly generated signing key, printing a valid
/// token and ready-to-paste curl lines. Needs no files.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway on a built-in config in front of an echo upstream, with a minted token."
    )

    @Option(name: .long, help: "The port the gateway listens on (127.0.0.1); 0 picks a free one.")
    var port: Int = 8080

    func run() async throws {
        let logger = Log.bootstrap()
        let key = try SigningKey.generate(.rsa, keyID: "demo-\(UUID().uuidString.prefix(8).lowercased())")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-demo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let jwksPath = directory.appendingPathComponent("jwks.json").path
        let jwks = JSONObject(uniqueKeysWithValues: [("keys", .array([.object(key.verificationJWK)]))])
        try jwks.jsonText.write(toFile: jwksPath, atomically: true, encoding: .utf8)

        let echoGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let echo = try await EchoUpstream.start(host: "127.0.0.1", port: 0, group: echoGroup)
        let yaml = DemoConfig.yaml(listenPort: port, upstreamPort: echo.localAddress?.port ?? 0, jwksPath: jwksPath)
        let loaded = try ConfigLoader.load(yaml: yaml, file: "<demo>", fileExists: { _ in true })
        let snapshot = try GatewaySnapshot(config: loaded.config, file: "<demo>")
        let reader = try DemoConfig.mint(key, scope: "apps:read", clientID: "demo-cli")
        let client = try SigningKey.generate(.ec(.p256))
        let clientKeyPath = directory.appendingPathComponent("dpop-client.pem").path
        try (client.pemRepresentation ?? "").write(toFile: clientKeyPath, atomically: true, encoding: .utf8)
        let bound = try DemoConfig.mint(key, scope: "apps:read", clientID: "demo-cli", boundTo: client)
        try await Gateway.run(
            snapshot: snapshot,
            logger: logger,
            afterStart: { listener in
                let base = "http://\(listener)"
                let proof = try? client.dpopProof(
                    method: "GET", url: base + "/api/v1/apps", accessToken: bound,
                    issuedAt: Int64(Date().timeIntervalSince1970), jti: UUID().uuidString.lowercased()
                )
                print(DemoConfig.instructions(base: base, token: reader))
                print(DemoConfig.dpopInstructions(base: base, token: bound, proof: proof ?? "", clientKeyPath: clientKeyPath))
                fflush(nil)
            },
            reload: { snapshot }
        )
    }
}

/// The demo's embedded configuration, its tokens, and what it prints.
enum DemoConfig {
    static let issuer = "https://demo.tollgate.invalid"
    static let audience = "demo-api"

    static func yaml(listenPort: Int, upstreamPort: Int, jwksPath: String) -> String {
        """
        server:
          listen: 127.0.0.1:\(listenPort)
          workers: 1
        issuers:
          - name: demo
            issuer: \(issuer)
            audiences: [\(audience)]
            jwks_file: \(jwksPath)
            algorithms: [RS256]
        scopes:
          implies:
            admin.apps: [apps]
            apps: [apps:read, apps:write]
        cors:
          allowed_origins: [http://localhost:3000]
          allowed_headers: [Authorization, Content-Type]
        upstreams:
          - name: echo
            targets: [127.0.0.1:\(upstreamPort)]
        forward:
          headers:
            X-Auth-Subject: sub
            X-Auth-Scopes: scope
            X-Auth-Client-Id: client_id
        routes:
          - path: /public/**
            upstream: echo
            auth: none
          - path: /api/v1/apps
            methods: [GET]
            upstream: echo
            scopes: [apps:read]
          - path: /api/v1/apps/{id}
            methods: [PUT, PATCH, DELETE]
            upstream: echo
            any_scopes: [apps:write, admin.apps]
        """
    }

    /// A token of the demo issuer; bound to `client`'s key (`cnf.jkt`) when given.
    static func mint(_ key: SigningKey, scope: String, clientID: String, boundTo client: SigningKey? = nil) throws -> String {
        let claims = DevelopmentToken.claims(
            issuer: issuer, audience: audience, subject: "demo-user", scope: scope, clientID: clientID,
            issuedAt: Int64(Date().timeIntervalSince1970), lifetimeSeconds: 3600,
            tokenID: UUID().uuidString.lowercased(),
            confirmation: client?.jwkThumbprint.map { TokenConfirmation(jwkThumbprint: $0) }
        )
        return try key.jwt(claims: claims, type: "at+jwt")
    }

    static func instructions(base: String, token: String) -> String {
        """

        Tollgate demo: the gateway is on \(base), in front of an echo upstream.
        A token for subject demo-user with scope apps:read, valid for 1 hour:

          TOKEN=\(token)

        Try, from another terminal (after pasting the TOKEN line):

          curl -i -H "Authorization: Bearer $TOKEN" \(base)/api/v1/apps          # 200: apps:read is enough; see X-Auth-* in the echo
          curl -i \(base)/api/v1/apps                                             # 401 unauthorized: no token
          curl -i -X DELETE -H "Authorization: Bearer $TOKEN" \(base)/api/v1/apps/42   # 403 insufficient_scope: needs apps:write or admin.apps
          curl -i \(base)/public/hello                                            # 200: auth: none
          curl -i -X OPTIONS -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: GET' \\
               -H 'Access-Control-Request-Headers: authorization' \(base)/api/v1/apps   # 204: CORS preflight

        Mint more with `tollgate token`. Stop with Ctrl-C.
        """
    }

    /// The DPoP part: a token bound to the demo client's key and one proof (valid once, for about 90 s).
    static func dpopInstructions(base: String, token: String, proof: String, clientKeyPath: String) -> String {
        """

        DPoP (RFC 9449): a token bound to the client key \(clientKeyPath), and a proof for one GET:

          DPOP_TOKEN=\(token)
          PROOF=\(proof)

          curl -i -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $PROOF" \(base)/api/v1/apps   # 200 once; again: 401 invalid_dpop_proof (replay)
          curl -i -H "Authorization: Bearer $DPOP_TOKEN" \(base)/api/v1/apps                  # 401 invalid_token: a bound token needs DPoP
          PROOF=$(tollgate dpop-proof --key \(clientKeyPath) --method GET --url \(base)/api/v1/apps --token "$DPOP_TOKEN")   # a fresh proof
        """
    }
}
