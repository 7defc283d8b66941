import Foundation
import Synchronization

/// Debian's `chromium`, run headless on one URL until it prints the page's DOM.
/// With `--virtual-time-budget`, virtual time stands still while network
/// requests are pending and races ahead while the page is idle; the DOM is
/// dumped when the budget of virtual time is spent, so a page that writes its
/// findings into the DOM after its fetches is read complete, in about two
/// seconds of wall time. A wall-clock timeout bounds the whole run.
struct HeadlessChromium: Sendable {
    let executable: URL

    /// The DOM Chromium printed and what the run cost.
    struct DumpedPage: Sendable {
        var dom: String
        var stderr: String
        var elapsed: Duration
    }

    /// Finds `chromium` on `PATH`.
    static func locate() throws -> HeadlessChromium {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("chromium")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return HeadlessChromium(executable: candidate) }
        }
        throw GatewayTestError(
            "`chromium` is not on PATH (\(path)); the browser CORS tests need Debian's chromium package: "
                + "run them through scripts/test, which installs it, or `apt-get install chromium`"
        )
    }

    /// Loads `url` in a fresh profile and returns the DOM once the page is idle
    /// for `virtualTimeBudget`; kills the browser and throws after `timeout`.
    func dumpDOM(of url: String, virtualTimeBudget: Duration = .seconds(30), timeout: Duration = .seconds(120)) async throws -> DumpedPage {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: profile) }

        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
            "--virtual-time-budget=\(virtualTimeBudget.components.seconds * 1000)",
            "--dump-dom", url,
        ]
        let stdout = PipeReader()
        let stderr = PipeReader()
        process.standardOutput = stdout.pipe
        process.standardError = stderr.pipe
        process.standardInput = FileHandle.nullDevice

        let started = ContinuousClock.now
        try process.run()
        stdout.start()
        stderr.start()
        let deadline = started + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw GatewayTestError(
                    "chromium (pid \(process.processIdentifier)) did not finish within \(timeout); killed it. "
                        + "stdout so far:\n\(stdout.text)\nstderr tail:\n\(stderr.text.suffix(4000))"
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = ContinuousClock.now - started
        // The DOM is written before the browser exits; its helpers, which share
        // the pipe, close it as they go.
        let drained = ContinuousClock.now + .seconds(5)
        while !stdout.isFinished, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard process.terminationStatus == 0 else {
            throw GatewayTestError(
                "chromium exited with status \(process.terminationStatus); stderr tail:\n\(stderr.text.suffix(4000))"
            )
        }
        return DumpedPage(dom: stdout.text, stderr: stderr.text, elapsed: elapsed)
    }
}

/// Reads a child's output pipe to its end on a thread of its own, so a chatty
/// child never blocks on a full pipe.
private final class PipeReader: Sendable {
    let pipe = Pipe()
    private let state = Mutex<(data: Data, finished: Bool)>((Data(), false))

    func start() {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { self.drain(handle) }
    }

    private func drain(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            state.withLock { $0.data.append(chunk) }
        }
        state.withLock { $0.finished = true }
    }

    var isFinished: Bool { state.withLock { $0.finished } }
    var text: String { state.withLock { String(decoding: $0.data, as: UTF8.self) } }
}
