import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
@testable import TollgateServer

@Suite("Access-log line format")
struct AccessLogLineTests {
    static func written(_ write: (inout ByteBuffer) -> Void) -> String {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        write(&buffer)
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    @Test("RFC 3339 times with milliseconds, UTC, around the epoch, a leap day and far dates")
    func rfc3339() {
        func time(_ milliseconds: Int64) -> String {
            Self.written { RFC3339Time.write(epochMilliseconds: milliseconds, into: &$0) }
        }
        #expect(time(0) == "1970-01-01T00:00:00.000Z")
        #expect(time(-1) == "1969-12-31T23:59:59.999Z")
        #expect(time(1_709_164_800_000) == "2024-02-29T00:00:00.000Z")
        #expect(time(1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(time(253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
    }

    @Test("RFC 3339 times agree with Foundation's formatter on 2,000 spread instants")
    func rfc3339AgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let milliseconds = Int64(state >> 22) % 4_102_444_800_000
            let ours = Self.written { RFC3339Time.write(epochMilliseconds: milliseconds, into: &$0) }
            let theirs = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            #expect(ours == theirs)
        }
    }

    @Test("strings are JSON-escaped: quotes, backslashes, control characters, DEL; UTF-8 kept")
    func escaping() throws {
        let hostile = "a\"b\\c\nd\re\tf\u{01}g\u{1F}h\u{7F}i é ✓ 🚀 </script>"
        let text = Self.written { AccessLogLine.writeString(hostile, into: &$0) }
        #expect(!text.contains("\n") && !text.contains("\u{01}") && !text.contains("\u{7F}"))
        let decoded = try JSONSerialization.jsonObject(with: Data(("[" + text + "]").utf8)) as? [String]
        #expect(decoded == [hostile])
    }

    @Test("the path is cut at the query string or fragment")
    func pathWithoutQuery() {
        #expect(AccessLogLine.path(of: "/a/b?access_token=secret") == "/a/b")
        #expect(AccessLogLine.path(of: "/a#frag?x") == "/a")
        #expect(AccessLogLine.path(of: "/plain") == "/plain")
        #expect(AccessLogLine.path(of: "?only") == "")
    }

    @Test("milliseconds keep microsecond precision; negative durations print as zero")
    func milliseconds() {
        func ms(_ nanoseconds: Int64) -> String { Self.written { AccessLogLine.writeMilliseconds(nanoseconds, into: &$0) } }
        #expect(ms(0) == "0.000")
        #expect(ms(1_234_567) == "1.234")
        #expect(ms(12_000_000_999) == "12000.000")
        #expect(ms(5_000) == "0.005")
        #expect(ms(-10) == "0.000")
    }

    @Test("a whole line: one JSON object, nulls where nothing is known, never the query")
    func wholeLine() throws {
        var record = ExchangeRecord(started: .now())
        record.status = 401
        record.route = "apps"
        record.tokenCheck = .refused(.expired)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api?access_token=abc")
        let text = Self.written {
            AccessLogLine.write(
                record, AccessLogLine.Request(head: head, requestID: "r\"1", bytesIn: 3),
                durationNanoseconds: 2_500_000, epochMilliseconds: 0, into: &$0
            )
        }
        #expect(text.hasSuffix("}\n"))
        #expect(!text.contains("abc"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["request_id"] as? String == "r\"1")
        #expect(object["path"] as? String == "/api")
        #expect(object["status"] as? Int == 401)
        #expect(object["duration_ms"] as? Double == 2.5)
        #expect(object["upstream_ms"] is NSNull)
        #expect(object["subject"] is NSNull)
        #expect(object["token_cache"] as? String == "miss")
        #expect(object["time"] as? String == "1970-01-01T00:00:00.000Z")
    }
}

@Suite("Prometheus exposition pieces")
struct PrometheusTextTests {
    @Test("label values escape backslash, quote and line feed")
    func labelEscaping() {
        var page = PrometheusText()
        page.sample("m", ["route": "a\\b\"c\nd"], 1)
        #expect(page.text == "m{route=\"a\\\\b\\\"c\\nd\"} 1\n")
    }

    @Test("histogram buckets: a value on a bound counts in that bound's bucket; cumulative counts; sums add")
    func histogramBuckets() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 1_000_000)
        histogram.record(nanoseconds: 1_000_001)
        histogram.record(nanoseconds: 20_000_000_000)
        histogram.record(nanoseconds: -5)
        var page = PrometheusText()
        page.histogram("h", help: "test", histogram)
        let lines = page.text.split(separator: "\n")
        #expect(lines.contains("h_bucket{le=\"0.0001\"} 1"))
        #expect(lines.contains("h_bucket{le=\"0.001\"} 2"))
        #expect(lines.contains("h_bucket{le=\"0.0025\"} 3"))
        #expect(lines.contains("h_bucket{le=\"10.0\"} 3"))
        #expect(lines.contains("h_bucket{le=\"+Inf\"} 4"))
        #expect(lines.contains("h_count 4"))
        var merged = histogram
        merged.add(histogram)
        #expect(merged.count == 8)
        #expect(merged.sumNanoseconds == 2 * histogram.sumNanoseconds)
        #expect(merged.cumulativeCounts.last == 8)
    }

    @Test("methods are bounded labels")
    func methodLabels() {
        #expect(LoopMetrics.label(.GET) == "GET")
        #expect(LoopMetrics.label(.RAW(value: "BREW")) == "other")
        #expect(LoopMetrics.label(.PROPFIND) == "other")
        #expect(LoopMetrics.label(nil) == "unknown")
    }
}
