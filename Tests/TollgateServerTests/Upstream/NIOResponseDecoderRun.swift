import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import TollgateServer

/// Runs NIO's own response decoder (llhttp, as the upstream side used it
/// before our parser: `addHTTPClientHandlers`, 1xx dropped) over an input,
/// after the requests it answers were written, for the differential test.
struct NIOResponseDecoderRun {
    var parsed = ParsedResponse()

    init(_ input: [UInt8], requests: [UpstreamResponseParser.RequestKind]) throws {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
        for request in requests {
            let method: HTTPMethod = switch request {
            case .head: .HEAD
            case .connect: .CONNECT
            case .other: .GET
            }
            try channel.writeOutbound(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: "/")))
            try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        }
        while try channel.readOutbound(as: IOData.self) != nil {}
        do {
            try channel.writeInbound(ByteBuffer(bytes: input))
        } catch {
            parsed.refused = true
        }
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            parsed.append(part)
        }
    }
}
