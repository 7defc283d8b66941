import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` (Debian's) on a free loopback port, with nothing
/// persisted, started by a test and stopped with it.
final class TestRedis: Sendable {
    let process: Process
    let port: Int

    /// Whether the machine has `redis-server` (`scripts/test` installs it).
    static var isInstalled: Bool { executable != nil }

    private static var executable: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func start() throws -> TestRedis {
        guard let executable else { throw GatewayTestError("redis-server is not installed (scripts/test installs it)") }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let redis = TestRedis(process: process, port: port)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? redis.command("PING")) == "+PONG" { return redis }
            Thread.sleep(forTimeInterval: 0.02)
        }
        redis.stop()
        throw GatewayTestError("redis-server did not answer PING on port \(port)")
    }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Kills the server (SIGKILL: a child of the test process may not see SIGTERM, which the test runner blocks).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends one inline command and returns the first reply line (`+PONG`, `:1234`, `$-1`).
    func command(_ text: String) throws -> String {
        let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(2))
        try connection.send(text + "\r\n")
        let line = try connection.readLine()
        return line
    }

    /// A port nothing listens on now (bound to port 0, then released).
    static func freePort() throws -> Int {
        try RefusingPort().port
    }
}
