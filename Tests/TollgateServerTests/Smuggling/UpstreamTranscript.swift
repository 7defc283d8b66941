import NIOCore
import NIOEmbedded
import NIOHTTP1

/// What the upstream received, judged twice from the raw bytes of each
/// connection: by NIO's `HTTPRequestDecoder` (llhttp) in an `EmbeddedChannel`,
/// and by `StrictRequestFraming`, which frames each request byte by byte
/// under RFC 9112's grammar and must account for every byte. The gateway
/// forwarded exactly what it decided on only if both agree and each sees
/// whole requests and nothing else.
struct UpstreamTranscript {
    /// One forwarded request: what a test compares with what the gateway decided.
    struct Request: Equatable, CustomStringConvertible {
        var method: String
        var target: String
        var bodyBytes: Int

        var description: String { "\(method) \(target) (\(bodyBytes) body bytes)" }
    }

    let connections: [[UInt8]]

    /// Every whole request on every connection, when both parsers agree on
    /// every connection; otherwise a description of the first disagreement or
    /// failure. A connection may end inside a request (the gateway closed it
    /// mid-request): that start of a request is in `cutOff`, and llhttp reads
    /// only the whole requests before it.
    func agreedRequests() -> Result<(requests: [Request], cutOff: [String]), TranscriptProblem> {
        var all: [Request] = []
        var cutOff: [String] = []
        for (index, bytes) in connections.enumerated() {
            let framing: StrictRequestFraming.Framing
            do {
                framing = try StrictRequestFraming.requests(in: bytes)
            } catch {
                return .failure(TranscriptProblem(description: "connection \(index): strict framing: \(error)\n\(Self.printable(bytes))"))
            }
            let whole = Array(bytes[..<(bytes.count - (framing.cutOff?.count ?? 0))])
            let decoded: [Request]
            do {
                decoded = try ReferenceDecoder.requests(in: whole)
            } catch {
                return .failure(TranscriptProblem(description: "connection \(index): llhttp: \(error)\n\(Self.printable(bytes))"))
            }
            let framed = framing.requests.map(\.request)
            guard framed == decoded else {
                return .failure(TranscriptProblem(description: "connection \(index): strict framing \(framed) but llhttp \(decoded)"))
            }
            all += framed
            if let tail = framing.cutOff { cutOff.append(String(decoding: tail.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)) }
        }
        return .success((all, cutOff))
    }

    /// The bytes with CR and LF made visible, for a failure message.
    static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\r", with: "\\r")
            .replacingOccurrences(of: "\n", with: "\\n\n")
    }
}

/// Why a transcript does not hold an agreed sequence of whole requests.
struct TranscriptProblem: Error, CustomStringConvertible {
    var description: String
}

/// NIO's request decoder over one connection's bytes, then end of stream.
enum ReferenceDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func requests(in bytes: [UInt8]) throws(Failure) -> [UpstreamTranscript.Request] {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        do {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .fireError)))
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
            // End of stream: a request cut short is an error here, not silence.
            try channel.close().wait()
        } catch {
            throw Failure(description: "\(error)")
        }
        var requests: [UpstreamTranscript.Request] = []
        var current: UpstreamTranscript.Request?
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head):
                guard current == nil else { throw Failure(description: "a head inside \(current!)") }
                current = .init(method: head.method.rawValue, target: head.uri, bodyBytes: 0)
            case .body(let body):
                current?.bodyBytes += body.readableBytes
            case .end:
                guard let request = current else { throw Failure(description: "an end without a head") }
                requests.append(request)
                current = nil
            }
        }
        if let current { throw Failure(description: "\(current) never ended") }
        return requests
    }
}
