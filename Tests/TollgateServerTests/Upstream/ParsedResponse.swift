import NIOCore
import NIOHTTP1
@testable import TollgateServer

/// The parts one response parser produced from an input, in a form that does
/// not depend on how the input was split into reads: adjacent body parts are
/// joined, and a refusal ends the list.
struct ParsedResponse: Equatable, CustomStringConvertible {
    enum Part: Equatable {
        case head(version: String, code: UInt, reason: String, fields: [String])
        case body([UInt8])
        case end(trailers: [String]?)
    }

    var parts: [Part] = []
    /// The input was refused.
    var refused = false

    mutating func append(_ part: HTTPClientResponsePart) {
        switch part {
        case .head(let head):
            parts.append(.head(
                version: "\(head.version.major).\(head.version.minor)",
                code: head.status.code,
                reason: head.status.reasonPhrase,
                fields: head.headers.map { "\($0.name): \($0.value)" }
            ))
        case .body(let buffer):
            let bytes = Array(buffer.readableBytesView)
            guard !bytes.isEmpty else { return }
            if case .body(let earlier)? = parts.last {
                parts[parts.count - 1] = .body(earlier + bytes)
            } else {
                parts.append(.body(bytes))
            }
        case .end(let trailers):
            parts.append(.end(trailers: trailers.map { $0.map { "\($0.name): \($0.value)" } }))
        }
    }

    /// Field values without trailing whitespace (llhttp keeps it; RFC 9112 §5 says it is not part of the value).
    mutating func trimFieldValues() {
        parts = parts.map { part in
            guard case .head(let version, let code, let reason, let fields) = part else { return part }
            let trimmed = fields.map { field in
                guard let separator = field.range(of: ": ") else { return field }
                var value = field[separator.upperBound...]
                while let last = value.last, last == " " || last == "\t" { value.removeLast() }
                return String(field[..<separator.upperBound] + value)
            }
            return .head(version: version, code: code, reason: reason, fields: trimmed)
        }
    }

    var description: String {
        let shown = parts.map { part in
            switch part {
            case .head(let version, let code, let reason, let fields): "head(\(version) \(code) \(reason) \(fields))"
            case .body(let bytes): "body(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
            case .end(let trailers): "end(\(trailers.map { "\($0)" } ?? "nil"))"
            }
        }
        return shown.joined(separator: ", ") + (refused ? " REFUSED" : "")
    }
}

/// Runs `UpstreamResponseParser` over an input split into reads.
struct ParserRun {
    var parsed = ParsedResponse()
    /// Bytes left unparsed after the last response's end (or the upgrade).
    var leftover = 0
    var upgraded = false
    /// A response is under way or awaited when the input ends.
    var busy = false
    var reason: String?

    /// Feeds `reads` in order (after `requests` were sent), then the end of input when `closed`.
    init(_ reads: [[UInt8]], requests: [UpstreamResponseParser.RequestKind] = [.other], closed: Bool = false) {
        var parser = UpstreamResponseParser()
        for request in requests { parser.requestSent(request) }
        do {
            for read in reads {
                parser.receive(ByteBuffer(bytes: read))
                // As the connection handler: once no response is awaited, bytes are only counted.
                while parser.isBusy, let part = try parser.next() { parsed.append(part) }
            }
            if closed, let part = parser.endOfInput() { parsed.append(part) }
        } catch {
            parsed.refused = true
            reason = error.reason
        }
        leftover = parser.bufferedBytes
        upgraded = parser.isUpgraded
        busy = parser.isBusy && !parser.isUpgraded
    }

    /// The same input whole, one byte per read, and split in two at every position.
    static func everySplit(
        _ input: [UInt8],
        requests: [UpstreamResponseParser.RequestKind] = [.other],
        closed: Bool = false
    ) -> (whole: ParserRun, others: [(String, ParserRun)]) {
        let whole = ParserRun([input], requests: requests, closed: closed)
        var others = [("one byte per read", ParserRun(input.map { [$0] }, requests: requests, closed: closed))]
        for cut in 1..<max(1, input.count) {
            others.append(("split at \(cut)", ParserRun([Array(input[..<cut]), Array(input[cut...])], requests: requests, closed: closed)))
        }
        return (whole, others)
    }
}
