import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import TollgateServer

/// The parts one request parser produced from an input, in a form that does
/// not depend on how the input was split into reads: adjacent body parts are
/// joined, and a refusal ends the list.
struct ParsedRequest: Equatable, CustomStringConvertible {
    enum Part: Equatable {
        case head(method: String, uri: String, version: String, fields: [String], keepAlive: Bool)
        case body([UInt8])
        case end(trailers: [String]?)
    }

    var parts: [Part] = []
    /// The input was refused.
    var refused = false

    mutating func append(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            parts.append(.head(
                method: head.method.rawValue,
                uri: head.uri,
                version: "\(head.version.major).\(head.version.minor)",
                fields: head.headers.map { "\($0.name): \($0.value)" },
                keepAlive: head.isKeepAlive
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
        func trim(_ fields: [String]) -> [String] {
            fields.map { field in
                guard let separator = field.range(of: ": ") else { return field }
                var value = field[separator.upperBound...]
                while let last = value.last, last == " " || last == "\t" { value.removeLast() }
                return String(field[..<separator.upperBound] + value)
            }
        }
        parts = parts.map { part in
            switch part {
            case .head(let method, let uri, let version, let fields, let keepAlive):
                .head(method: method, uri: uri, version: version, fields: trim(fields), keepAlive: keepAlive)
            case .end(let trailers?):
                .end(trailers: trim(trailers))
            default:
                part
            }
        }
    }

    var description: String {
        let shown = parts.map { part in
            switch part {
            case .head(let method, let uri, let version, let fields, let keepAlive):
                "head(\(method) \(uri) \(version) \(fields)\(keepAlive ? "" : " close"))"
            case .body(let bytes): "body(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
            case .end(let trailers): "end(\(trailers.map { "\($0)" } ?? "nil"))"
            }
        }
        return shown.joined(separator: ", ") + (refused ? " REFUSED" : "")
    }
}

/// Runs `HTTP1RequestParser` over an input split into reads.
struct RequestParserRun {
    var parsed = ParsedRequest()
    var error: HTTP1RequestError?
    /// Bytes left unparsed when the input ends.
    var leftover = 0
    var upgraded = false
    /// What the end of input reported, when the run was `closed`.
    var endError: HTTP1RequestError?

    /// Feeds `reads` in order, then the end of input when `closed`.
    init(_ reads: [[UInt8]], maxHeadBytes: Int = 1024, closed: Bool = false) {
        var parser = HTTP1RequestParser(maxHeadBytes: maxHeadBytes)
        do {
            for read in reads {
                parser.receive(ByteBuffer(bytes: read))
                while let part = try parser.next() { parsed.append(part) }
            }
        } catch {
            parsed.refused = true
            self.error = error
        }
        if closed { endError = parser.endOfInput() }
        leftover = parser.bufferedBytes
        upgraded = parser.isUpgraded
    }

    /// The same input whole, one byte per read, and split in two at every position.
    static func everySplit(
        _ input: [UInt8],
        maxHeadBytes: Int = 1024,
        closed: Bool = false
    ) -> (whole: RequestParserRun, others: [(String, RequestParserRun)]) {
        let whole = RequestParserRun([input], maxHeadBytes: maxHeadBytes, closed: closed)
        var others = [("one byte per read", RequestParserRun(input.map { [$0] }, maxHeadBytes: maxHeadBytes, closed: closed))]
        for cut in 1..<max(1, input.count) {
            let reads = [Array(input[..<cut]), Array(input[cut...])]
            others.append(("split at \(cut)", RequestParserRun(reads, maxHeadBytes: maxHeadBytes, closed: closed)))
        }
        return (whole, others)
    }
}

/// Runs NIO's own request decoder (llhttp, as the gateway used it before our
/// parser: `.dropBytes`, the same limits) over an input, for the differential test.
struct NIORequestDecoderRun {
    var parsed = ParsedRequest()

    init(_ input: [UInt8], maxHeadBytes: Int = 1024) throws {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHeadBytes
        limits.maxHeaderListSize = maxHeadBytes
        let decoder = HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
        do {
            try channel.writeInbound(ByteBuffer(bytes: input))
        } catch {
            parsed.refused = true
        }
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
            parsed.append(part)
        }
    }
}
