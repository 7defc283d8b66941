import Foundation
import Testing

@Suite("Access log", .serialized)
struct AccessLogTests {
    static let issuer = TestIssuer.shared

    static let routes = """
          - path: /api/v1/apps
            name: apps
            methods: [GET, POST]
            upstream: app
            scopes: [apps:read]
          - path: /**
            upstream: app
            auth: none
        """

    /// A gateway whose access log is `accessLog` (an `access_log:` section), in a directory of the test's own.
    static func run(accessLog: (URL) -> String, _ body: (GatewayFixture, URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await GatewayFixture.run(
            server: "  admin: 127.0.0.1:0", routes: routes, sections: "issuers:\n\(issuer.yaml)\n\(accessLog(directory))"
        ) { try await body($0, directory) }
    }

    static func fileLog(_ directory: URL) -> String {
        "access_log:\n  enabled: true\n  path: \(directory.appendingPathComponent("access.log").path)"
    }

    /// The log's lines once there are at least `count` (the loops flush every 100 ms).
    static func lines(in directory: URL, atLeast count: Int) async throws -> [String] {
        let file = directory.appendingPathComponent("access.log")
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n").map(String.init)
            if lines.count >= count { return lines }
            guard ContinuousClock.now < deadline else { throw GatewayTestError("\(lines.count) access-log lines, expected \(count):\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func object(_ line: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw GatewayTestError("not a JSON object: \(line)")
        }
        return object
    }

    @Test("one JSON line per request, every field present and typed")
    func fields() async throws {
        try await Self.run(accessLog: Self.fileLog) { fixture, directory in
            let token = try Self.issuer.token(scope: "apps:read", subject: "alice \"the\" admin", clientID: "cli-1")
            let request = "POST /api/v1/apps HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \(token)\r\nX-Request-Id: req-42\r\nContent-Length: 5\r\n\r\nhello"
            let response = try RawHTTPConnection.exchange(port: fixture.port, request)
            #expect(response.status == 200)
            #expect(try RawHTTPConnection.exchange(port: fixture.port, "GET /missing/x HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)

            let lines = try await Self.lines(in: directory, atLeast: 2)
            #expect(lines.count == 2)
            let admitted = try Self.object(lines[0])
            #expect(Set(admitted.keys) == [
                "time", "request_id", "method", "path", "route", "status", "duration_ms", "upstream_ms",
                "subject", "client_id", "token_cache", "bytes_in", "bytes_out",
            ])
            let time = try #require(admitted["time"] as? String)
            #expect(time.count == 24 && time.hasSuffix("Z"))
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let logged = try #require(formatter.date(from: time))
            #expect(abs(logged.timeIntervalSinceNow) < 60)
            #expect(admitted["request_id"] as? String == "req-42")
            #expect(admitted["method"] as? String == "POST")
            #expect(admitted["path"] as? String == "/api/v1/apps")
            #expect(admitted["route"] as? String == "apps")
            #expect(admitted["status"] as? Int == 200)
            #expect((admitted["duration_ms"] as? Double).map { $0 >= 0 } == true)
            #expect((admitted["upstream_ms"] as? Double).map { $0 >= 0 } == true)
            #expect(admitted["subject"] as? String == "alice \"the\" admin")
            #expect(admitted["client_id"] as? String == "cli-1")
            #expect(admitted["token_cache"] as? String == "miss")
            #expect(admitted["bytes_in"] as? Int == 5)
            #expect(admitted["bytes_out"] as? Int == response.body.count)

            let anonymous = try Self.object(lines[1])
            #expect(anonymous["route"] as? String == "/**")
            #expect(anonymous["subject"] is NSNull)
            #expect(anonymous["client_id"] is NSNull)
            #expect(anonymous["token_cache"] as? String == "none")
            #expect((anonymous["request_id"] as? String)?.isEmpty == false)
        }
    }

    @Test("no Authorization value, token or query string in any line: good, bad, malformed requests and a token in the query")
    func neverATokenOrQuery() async throws {
        try await Self.run(accessLog: Self.fileLog) { fixture, directory in
            let port = fixture.port
            let good = try Self.issuer.token(scope: "apps:read")
            let expired = try Self.issuer.token(scope: "apps:read", expiresIn: -300)
            let forged = try Self.issuer.tokenWithBadSignature(scope: "apps:read")
            let secrets = [good, expired, forged, "opaque-secret-token-value", "query-secret-value"]
            var requests = [
                "GET /api/v1/apps HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(good)\r\n\r\n",
                "GET /api/v1/apps HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(good)\r\n\r\n",
                "GET /api/v1/apps HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(expired)\r\n\r\n",
                "GET /api/v1/apps HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(forged)\r\n\r\n",
                "GET /api/v1/apps HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer opaque-secret-token-value\r\nAuthorization: Bearer \(good)\r\n\r\n",
                "GET /api/v1/apps?access_token=query-secret-value HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /other?access_token=query-secret-value&x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
            ]
            // Malformed: the decoder stops at the bad header line, after the Authorization line.
            requests.append("GET /api/v1/apps HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(good)\r\nBad Header\r\n\r\n")
            var statuses: [Int] = []
            for request in requests {
                statuses.append(try RawHTTPConnection.exchange(port: port, request).status)
            }
            #expect(statuses == [200, 200, 401, 401, 400, 401, 200, 400])

            let lines = try await Self.lines(in: directory, atLeast: requests.count)
            #expect(lines.count == requests.count)
            for line in lines {
                for secret in secrets { #expect(!line.contains(secret), "\(line)") }
                #expect(!line.lowercased().contains("bearer"))
                #expect(!line.contains("?"))
                _ = try Self.object(line)
            }
            let parsed = try lines.map(Self.object)
            #expect(parsed.map { $0["token_cache"] as? String } == ["miss", "hit", "miss", "miss", "none", "none", "none", "none"])
            #expect(parsed[5]["path"] as? String == "/api/v1/apps")
            #expect(parsed[6]["path"] as? String == "/other")
            #expect(parsed[7]["method"] is NSNull)
            #expect(parsed[7]["path"] is NSNull)
            #expect(parsed[7]["status"] as? Int == 400)
        }
    }

    @Test("a head cut off at header_timeout (408) gets its line and its count, with no method or path")
    func headerTimeoutIsLoggedAndCounted() async throws {
        try await Self.run(accessLog: Self.fileLog) { fixture, directory in
            let connection = try RawHTTPConnection(port: fixture.port)
            try connection.send("GET /api/v1/apps HTTP/1.1\r\nHost: a\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 408)
            let line = try Self.object(try #require(try await Self.lines(in: directory, atLeast: 1).first))
            #expect(line["status"] as? Int == 408)
            #expect(line["method"] is NSNull)
            #expect(line["path"] is NSNull)
            #expect((line["request_id"] as? String)?.count == 32)
            #expect((line["duration_ms"] as? Double ?? 0) >= 900, "the head began about header_timeout (1 s) before the 408")
            let page = try fixture.gateway.scrapeMetrics()
            let count = page.split(separator: "\n").filter { $0.hasPrefix("tollgate_requests_total{") && $0.contains("status=\"408\"") }
            #expect(count.count == 1)
            #expect(count.first?.hasSuffix(" 1") == true)
        }
    }

    @Test("access_log.enabled false: the log file is never created")
    func disabled() async throws {
        let section: (URL) -> String = { "access_log:\n  enabled: false\n  path: \($0.appendingPathComponent("access.log").path)" }
        try await Self.run(accessLog: section) { fixture, directory in
            for _ in 0..<5 {
                let response = try RawHTTPConnection.exchange(port: fixture.port, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(response.status == 200)
            }
            fixture.gateway.stop()
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("access.log").path))
        }
    }

    @Test("a FIFO nobody reads: requests still succeed, and the lines that do not fit are dropped and counted")
    func writerNeverBlocksRequests() async throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fifo-\(UUID().uuidString)")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: fifo) }
        try await Self.run(accessLog: { _ in "access_log:\n  enabled: true\n  path: \(fifo.path)" }) { fixture, _ in
            // 700 lines of ~8 KB each outgrow the writer's 4 MiB bound while it waits for a reader.
            let path = "/" + String(repeating: "p", count: 8000)
            let connection = try RawHTTPConnection(port: fixture.port)
            var failures = 0
            for _ in 0..<700 {
                try connection.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
                if try connection.readResponse().status != 200 { failures += 1 }
            }
            #expect(failures == 0)
            let page = try fixture.gateway.scrapeMetrics()
            let dropped = try #require(MetricsText.value("tollgate_access_log_dropped_total", in: page))
            #expect(dropped > 0)
            #expect(dropped < 700)
        }
    }
}
