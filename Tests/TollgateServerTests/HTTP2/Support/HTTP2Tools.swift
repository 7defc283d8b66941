import Foundation

/// Runs the real HTTP/2 clients the tests compare against: curl (built with
/// nghttp2), and nghttp/h2load from Debian's nghttp2-client.
enum HTTP2Tools {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// One HTTP response as `curl -i` printed it.
    struct CurlResponse {
        var statusLine: String
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }

    /// `curl --http2-prior-knowledge -i` for `path` on the gateway, with a bearer token when given.
    static func curl(port: Int, _ path: String, token: String? = nil, extra: [String] = []) throws -> CurlResponse {
        var arguments = ["-sS", "-i", "--http2-prior-knowledge", "--max-time", "20", "-H", "Host: api.test"]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        arguments += extra + ["http://127.0.0.1:\(port)\(path)"]
        let output = try run("curl", arguments)
        guard output.status == 0 else { throw GatewayTestError("curl failed (\(output.status)): \(output.stderr)") }
        return try parse(output.stdout)
    }

    private static func parse(_ text: String) throws -> CurlResponse {
        guard let split = text.range(of: "\r\n\r\n") else { throw GatewayTestError("curl printed no header block: \(text)") }
        var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw GatewayTestError("bad status line: \(statusLine)") }
        let headers: [(String, String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return CurlResponse(statusLine: statusLine, status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
