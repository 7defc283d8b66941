import NIOCore
import NIOHTTP1
import TollgateCore

/// Writes one access-log line (SPEC `access_log`) as a JSON object and a line
/// feed, straight into the loop's buffer (`time`: when the request head arrived):
///
///     {"time":"2026-11-23T09:04:44.123Z","request_id":"…","method":"GET","path":"/api/v1/apps",
///      "route":"apps","status":200,"duration_ms":1.234,"upstream_ms":0.801,"subject":"user-1",
///      "client_id":"dashboard","token_cache":"hit","bytes_in":0,"bytes_out":512}
///
/// The path is written without its query string (a query can carry a token);
/// no header value is ever written, so an Authorization value, a token or a
/// secret cannot reach the log. Strings are JSON-escaped; unknown values are `null`.
enum AccessLogLine {
    /// What the line says beyond the exchange record.
    struct Request {
        var head: HTTPRequestHead
        var requestID: String
        var bytesIn: Int
    }

    static func write(
        _ record: ExchangeRecord,
        _ request: Request,
        durationNanoseconds: Int64,
        epochMilliseconds: Int64,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeStaticString("{\"time\":\"")
        RFC3339Time.write(epochMilliseconds: epochMilliseconds, into: &buffer)
        buffer.writeStaticString("\",\"request_id\":")
        writeString(request.requestID, into: &buffer)
        buffer.writeStaticString(",\"method\":")
        writeOptional(record.headParsed ? request.head.method.rawValue : nil, into: &buffer)
        buffer.writeStaticString(",\"path\":")
        writeOptional(record.headParsed ? path(of: request.head.uri) : nil, into: &buffer)
        buffer.writeStaticString(",\"route\":")
        writeOptional(record.route, into: &buffer)
        buffer.writeStaticString(",\"status\":")
        buffer.writeString(String(record.status))
        buffer.writeStaticString(",\"duration_ms\":")
        writeMilliseconds(durationNanoseconds, into: &buffer)
        buffer.writeStaticString(",\"upstream_ms\":")
        if let upstream = record.upstreamNanoseconds {
            writeMilliseconds(upstream, into: &buffer)
        } else {
            buffer.writeStaticString("null")
        }
        buffer.writeStaticString(",\"subject\":")
        writeOptional(record.tokenCheck.subject, into: &buffer)
        buffer.writeStaticString(",\"client_id\":")
        writeOptional(record.tokenCheck.clientID, into: &buffer)
        buffer.writeStaticString(",\"token_cache\":\"")
        buffer.writeString(record.tokenCheck.cache.label)
        buffer.writeStaticString("\",\"bytes_in\":")
        buffer.writeString(String(request.bytesIn))
        buffer.writeStaticString(",\"bytes_out\":")
        buffer.writeString(String(record.bytesOut))
        buffer.writeStaticString("}\n")
    }

    /// The request target up to its query string (or fragment).
    static func path(of target: String) -> Substring {
        let utf8 = target.utf8
        let end = utf8.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? utf8.endIndex
        return target[..<end]
    }

    /// Milliseconds with microsecond precision: `12.345`.
    static func writeMilliseconds(_ nanoseconds: Int64, into buffer: inout ByteBuffer) {
        let micros = max(nanoseconds, 0) / 1000
        buffer.writeString(String(micros / 1000))
        buffer.writeInteger(UInt8(ascii: "."))
        let fraction = micros % 1000
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(fraction / 100))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    private static func writeOptional<Text: StringProtocol>(_ value: Text?, into buffer: inout ByteBuffer) {
        if let value {
            writeString(value, into: &buffer)
        } else {
            buffer.writeStaticString("null")
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\u00XX`; other bytes (UTF-8) as they are.
    static func writeString<Text: StringProtocol>(_ value: Text, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.writeInteger(UInt8(ascii: "\\"))
                buffer.writeInteger(byte)
            case 0x0A:
                buffer.writeStaticString("\\n")
            case 0x0D:
                buffer.writeStaticString("\\r")
            case 0x09:
                buffer.writeStaticString("\\t")
            case 0..<0x20, 0x7F:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(hexDigit(byte >> 4))
                buffer.writeInteger(hexDigit(byte & 0x0F))
            default:
                buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-23T09:04:44.123Z`),
/// computed from the epoch without Foundation's formatters.
enum RFC3339Time {
    static func write(epochMilliseconds: Int64, into buffer: inout ByteBuffer) {
        let seconds = epochMilliseconds.floorDivided(by: 1000)
        let milliseconds = Int(epochMilliseconds - seconds * 1000)
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civil(fromDays: days)
        writeDigits(Int(year), count: 4, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        writeDigits(month, count: 2, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        writeDigits(day, count: 2, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "T"))
        writeDigits(secondOfDay / 3600, count: 2, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeDigits(secondOfDay / 60 % 60, count: 2, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeDigits(secondOfDay % 60, count: 2, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        writeDigits(milliseconds, count: 3, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "Z"))
    }

    /// Year, month and day of the proleptic Gregorian calendar for days since
    /// 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func writeDigits(_ value: Int, count: Int, into buffer: inout ByteBuffer) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}

private extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
