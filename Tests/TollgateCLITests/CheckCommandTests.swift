import Foundation
import Testing

/// `tollgate check` as a process: output, streams and exit status.
@Suite struct CheckCommandTests {
    @Test func acceptsAGoodFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("[]", to: "jwks.json")
        try directory.write("""
            server:
              listen: 127.0.0.1:8080
            issuers:
              - {name: i, issuer: https://i, audiences: [a], jwks_file: jwks.json}
            cors: {}

            """, to: "good.yaml")
        let result = try TollgateProcess.run(["check", "--config", "good.yaml"], in: directory.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "ok\n")
        #expect(result.standardError == "")
    }

    @Test func printsWarningsBeforeOk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("server:\n  listen: 127.0.0.1:8080\n", to: "no-cors.yaml")
        let result = try TollgateProcess.run(["check", "--config", "no-cors.yaml"], in: directory.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "no-cors.yaml: warning: no cors section: no cross-origin browser request will be allowed\nok\n")
    }

    @Test func reportsEveryProblemOfABadFileAndExits1() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("""
            server:
              listen: 127.0.0.1:8080
              workers: none
            cors: {}
            issuers:
              - {name: i, issuer: https://i, audiences: [a], jwks_file: jwks.json}
            routes:
              - {path: /a, upstream: nowhere}

            """, to: "bad.yaml")
        let result = try TollgateProcess.run(["check", "--config", "bad.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.standardOutput == """
            bad.yaml:3:12: server.workers: expected 'auto' or a positive integer, found 'none'
            bad.yaml:6:61: issuer 'i' jwks_file: file 'jwks.json' does not exist (relative paths are resolved against the working directory)
            bad.yaml:8:26: route '/a': no upstream named 'nowhere' (no upstreams are defined)

            """)
        #expect(result.standardError == "")
    }

    @Test func aMissingFileIsOneLineOnStandardError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try TollgateProcess.run(["check", "--config", "absent.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.standardOutput == "")
        #expect(result.standardError == "tollgate: cannot read absent.yaml: No such file or directory\n")
        let onDirectory = try TollgateProcess.run(["check", "--config", "."], in: directory.url)
        #expect(onDirectory.status == 1)
        #expect(onDirectory.standardError == "tollgate: cannot read .: Is a directory\n")
    }

    @Test func aFileThatIsNotUTF8IsOneLineOnStandardError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data([0x73, 0x3A, 0xFF, 0xFE, 0x0A]).write(to: directory.url.appendingPathComponent("binary.yaml"))
        let result = try TollgateProcess.run(["check", "--config", "binary.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.standardError == "tollgate: cannot read binary.yaml: not UTF-8 text\n")
    }

    @Test func acceptsTheShippedExampleFromTheRepositoryRootByDefault() throws {
        let result = try TollgateProcess.run(["check"], in: TollgateProcess.repositoryRoot)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput == "ok\n")
    }
}
