import Foundation
import Synchronization

/// The real `tollgate serve` binary, started on a config written to a fresh
/// temporary directory, with its real port read from the ready line.
final class GatewayProcess: Sendable {
    let process: Process
    let port: Int
    let adminPort: Int?
    let directory: URL
    private let output: StderrCollector

    /// Starts the gateway and waits (at most `timeout`) for `listening on HOST:PORT`.
    /// `environment` is added to the test's own environment.
    static func start(config: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)) throws -> GatewayProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configURL = directory.appendingPathComponent("tollgate.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = TollgateBinary.url
        process.arguments = ["serve", "--config", configURL.path]
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let collector = StderrCollector()
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { collector.append(data) }
        }
        try process.run()

        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = collector.text
            if let port = Self.port(after: "listening on ", in: text) {
                return GatewayProcess(
                    process: process,
                    port: port,
                    adminPort: Self.port(after: "admin listener on ", in: text),
                    directory: directory,
                    output: collector
                )
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        // Not ready (or refused to start): it must not outlive the test, nor its directory.
        if process.isRunning {
            process.terminate()
            let exitBy = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < exitBy { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
        throw GatewayTestError("gateway did not become ready; stderr:\n\(collector.text)")
    }

    private init(process: Process, port: Int, adminPort: Int?, directory: URL, output: StderrCollector) {
        self.process = process
        self.port = port
        self.adminPort = adminPort
        self.directory = directory
        self.output = output
    }

    var stderr: String { output.text }
    var pid: Int32 { process.processIdentifier }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit; returns its status, or nil on timeout.
    func waitForExit(timeout: Duration = .seconds(15)) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return process.terminationStatus
    }

    /// Peak resident set size (VmHWM) in bytes.
    func peakRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }

    /// Stops the gateway (SIGKILL if it does not exit) and removes its directory.
    func stop() {
        if process.isRunning {
            signal(SIGTERM)
            if waitForExit(timeout: .seconds(10)) == nil {
                kill(process.processIdentifier, SIGKILL)
                _ = waitForExit()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func port(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let rest = text[range.upperBound...]
        guard let lineEnd = rest.firstIndex(where: { $0 == "\n" || $0 == " " }) else { return nil }
        let address = rest[..<lineEnd]
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...])
    }
}

/// Collects a child's stderr from the pipe's reader thread.
private final class StderrCollector: Sendable {
    private let buffer = Mutex(Data())

    func append(_ data: Data) {
        buffer.withLock { $0.append(data) }
    }

    var text: String {
        buffer.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

/// Where `swift build` put the `tollgate` executable: beside the test bundle.
enum TollgateBinary {
    static let url: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("tollgate")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("tollgate executable not found near \(CommandLine.arguments[0]); run `swift build` first")
    }()
}

/// A failed expectation in test support code, with what was seen.
struct GatewayTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
