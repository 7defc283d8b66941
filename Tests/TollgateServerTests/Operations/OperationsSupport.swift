import Foundation

/// What the Operations tests read from a running gateway: its admin
/// listener's port, `/metrics` and single samples of it, and the verdict of
/// the Prometheus project's own text parser (`prometheus_client`, installed by
/// scripts/test) on a page.
extension GatewayProcess {
    /// The admin listener's port; its ready line may follow the public listener's by a moment.
    func waitForAdminPort() throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = adminPort ?? Self.adminPort(in: stderr) { return port }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw GatewayTestError("no admin listener; stderr:\n\(stderr)")
    }

    private static func adminPort(in text: String) -> Int? {
        guard let range = text.range(of: "admin listener on ") else { return nil }
        let digits = text[range.upperBound...].drop { $0 != ":" }.dropFirst().prefix { $0.isNumber }
        return Int(digits)
    }

    /// `GET /metrics` on the admin listener: the page, after checking status and content type.
    func scrapeMetrics() throws -> String {
        let response = try RawHTTPConnection.exchange(port: waitForAdminPort(), "GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n")
        guard response.status == 200, response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true else {
            throw GatewayTestError("/metrics answered \(response.status) \(response.header("content-type") ?? "-"): \(response.text)")
        }
        return response.text
    }
}

enum MetricsText {
    /// The value of the sample written exactly as `series` (name and labels in
    /// the gateway's order), or nil when the page has no such line.
    static func value(_ series: String, in page: String) -> Double? {
        for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Runs `prometheus_client`'s parser on `page`; returns how many families
    /// it read, or throws with the parser's complaint.
    static func parseWithPrometheusClient(_ page: String) throws -> Int {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-metrics-\(UUID().uuidString).txt")
        try page.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
            for family in families:
                for sample in family.samples:
                    float(sample.value)
            print(len(families))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let count = Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw GatewayTestError("prometheus_client could not parse /metrics (run scripts/test to install it):\n\(complaint)")
        }
        return count
    }
}

extension TestIssuer {
    /// A token of this issuer whose signature no longer matches: one character
    /// of the signature changed (still canonical base64url).
    func tokenWithBadSignature(scope: String) throws -> String {
        var token = Array(try token(scope: scope).utf8)
        let index = token.lastIndex(of: UInt8(ascii: "."))! + 2
        token[index] = token[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return String(decoding: token, as: UTF8.self)
    }
}
