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

    /// Each connection's requests by the strict framing, or why its bytes are not a sequence of whole requests.
    var framed: [Result<[Request], StrictRequestFraming.Failure>] {
        connections.map { bytes in Result { () throws(StrictRequestFraming.Failure) in try StrictRequestFraming.requests(in: bytes).map(\.request) } }
    }

    /// Each connection's requests by llhttp, or its error.
    var decoded: [Result<[Request], ReferenceDecoder.Failure>] {
        connections.map { bytes in Result { () throws(ReferenceDecoder.Failure) in try ReferenceDecoder.requests(in: bytes) } }
    }

    /// Every request on every connection, when both parsers agree on every
    /// connection; otherwise a description of the first disagreement or failure.
    func agreedRequests() -> Result<[Request], TranscriptProblem> {
        var all: [Request] = []
        for (index, (framed, decoded)) in zip(framed, decoded).enumerated() {
            switch (framed, decoded) {
            case (.success(let framedRequests), .success(let decodedRequests)):
                guard framedRequests == decodedRequests else {
                    return .failure(TranscriptProblem(description: "connection \(index): strict framing \(framedRequests) but llhttp \(decodedRequests)"))
                }
                all += framedRequests
            case (.failure(let failure), _):
                return .failure(TranscriptProblem(description: "connection \(index): strict framing: \(failure)\n\(Self.printable(connections[index]))"))
            case (_, .failure(let failure)):
                return .failure(TranscriptProblem(description: "connection \(index): llhttp: \(failure)\n\(Self.printable(connections[index]))"))
            }
        }
        return .success(all)
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
