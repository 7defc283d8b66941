import Foundation

/// Runs a command-line tool (curl, openssl) to completion and collects what it printed.
enum Command {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with `arguments`; `timeout` bounds it (then it is killed and the status is nonzero).
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, input: String? = nil,
                    timeout: Duration = .seconds(30)) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        // Read both pipes before waiting, so a chatty tool never blocks on a full pipe.
        let outData = Collected()
        let errData = Collected()
        let readers = DispatchGroup()
        for (pipe, sink) in [(stdout, outData), (stderr, errData)] {
            readers.enter()
            DispatchQueue.global().async {
                sink.data = pipe.fileHandleForReading.readDataToEndOfFile()
                readers.leave()
            }
        }
        let (seconds, attoseconds) = timeout.components
        if readers.wait(timeout: .now() + Double(seconds) + Double(attoseconds) / 1e18) == .timedOut {
            process.terminate()
            readers.wait()
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData.data, as: UTF8.self),
            stderr: String(decoding: errData.data, as: UTF8.self)
        )
    }

    /// One pipe's bytes, written by its reader before `readers.leave()` and read after `wait()`.
    private final class Collected: @unchecked Sendable {
        // Safe: written once on the reader queue before the group is left, read only after the group was waited on.
        var data = Data()
    }
}
