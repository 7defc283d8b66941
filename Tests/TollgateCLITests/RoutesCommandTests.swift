import Foundation
import Testing

/// `tollgate routes` as a process: the table it prints, and the same failures as `check`.
@Suite struct RoutesCommandTests {
    @Test func printsTheTableInPriorityOrderThenTheScopesThatSatisfyEachRoute() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("""
            server:
              listen: 127.0.0.1:8080
            cors: {}
            upstreams:
              - {name: apps, targets: [127.0.0.1:9000]}
            issuers:
              - {name: eu, issuer: https://eu, audiences: [a], jwks_uri: https://eu/jwks}
            scopes:
              implies:
                admin.apps: [apps]
                apps: [apps:read, apps:write]
            routes:
              - {path: /public/**, upstream: apps, auth: none}
              - {path: "/api/v1/apps/{id}", methods: [PUT, DELETE], upstream: apps, any_scopes: [apps:write, admin.apps]}
              - {name: list-apps, path: /api/v1/apps, methods: [GET], upstream: apps, scopes: [apps:read]}
              - {path: /api/t/**, host: admin.example.com, upstream: apps, issuers: [eu], scopes: [admin.apps, apps:read], strip_prefix: /api}

            """, to: "routes.yaml")
        let result = try TollgateProcess.run(["routes", "--config", "routes.yaml"], in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError == "")
        #expect(result.standardOutput == """
            NAME               HOST               PATH               METHODS     UPSTREAM  AUTH      SCOPES                         ISSUERS  STRIP_PREFIX
            /api/t/**          admin.example.com  /api/t/**          *           apps      required  all of: admin.apps apps:read   eu       /api
            list-apps          *                  /api/v1/apps       GET,HEAD    apps      required  all of: apps:read              -        -
            /api/v1/apps/{id}  *                  /api/v1/apps/{id}  PUT,DELETE  apps      required  any of: apps:write admin.apps  -        -
            /public/**         *                  /public/**         *           apps      none      -                              -        -

            Token scopes that satisfy each route (after scopes.implies):
            /api/t/**: satisfied by all of:
              admin.apps, granted by: admin.apps
              apps:read, granted by: apps:read | apps | admin.apps
            list-apps: satisfied by: apps:read | apps | admin.apps
            /api/v1/apps/{id}: satisfied by: apps:write | admin.apps | apps

            """)
    }

    @Test func aBadConfigPrintsEveryProblemLikeCheckAndExits1() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("""
            server:
              listen: 127.0.0.1:8080
              workers: none
            cors: {}
            routes:
              - {path: /a, upstream: nowhere}

            """, to: "bad.yaml")
        let result = try TollgateProcess.run(["routes", "--config", "bad.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.standardOutput == """
            bad.yaml:3:12: server.workers: expected 'auto' or a positive integer, found 'none'
            bad.yaml:6:26: route '/a': no upstream named 'nowhere' (no upstreams are defined)

            """)
        #expect(result.standardError == "")
    }

    @Test func aMissingFileIsOneLineOnStandardError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try TollgateProcess.run(["routes", "--config", "absent.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.standardOutput == "")
        #expect(result.standardError == "tollgate: cannot read absent.yaml: No such file or directory\n")
    }

    @Test func warningsGoToStandardErrorAndLeaveTheTableClean() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("server:\n  listen: 127.0.0.1:8080\n", to: "no-cors.yaml")
        let result = try TollgateProcess.run(["routes", "--config", "no-cors.yaml"], in: directory.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "NAME  HOST  PATH  METHODS  UPSTREAM  AUTH  SCOPES  ISSUERS  STRIP_PREFIX\n")
        #expect(result.standardError.hasPrefix("tollgate: no-cors.yaml: warning: no cors section"))
    }

    @Test func listsTheShippedExampleFromTheRepositoryRootByDefault() throws {
        let result = try TollgateProcess.run(["routes"], in: TollgateProcess.repositoryRoot)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasPrefix("NAME ") == true)
        #expect(lines.contains { $0.hasPrefix("list-apps ") })
        #expect(lines.contains("list-apps: satisfied by: apps:read | apps | admin.apps"))
    }
}
