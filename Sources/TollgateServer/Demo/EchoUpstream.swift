import NIOCore
import NIOHTTP1
import NIOPosix
import TollgateCore

/// A tiny upstream for `tollgate demo`: answers every request with a JSON
/// document describing what it received (method, path, headers, body size),
/// so a user sees exactly what the gateway forwarded.
public enum EchoUpstream {
    /// Binds on `host:port` (port 0 picks one) and returns the channel.
    public static func start(host: String, port: Int, group: EventLoopGroup) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// Echoes one request at a time as JSON.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
        case .body(let body):
            bodyBytes += body.readableBytes
        case .end:
            guard let head else { return }
            let headers = head.headers.map { "\(JSONText.quoted($0.name)):\(JSONText.quoted($0.value))" }.joined(separator: ",")
            let text = "{\"method\":\(JSONText.quoted(head.method.rawValue)),\"uri\":\(JSONText.quoted(head.uri)),"
                + "\"headers\":{\(headers)},\"body_bytes\":\(bodyBytes)}\n"
            var responseHeaders = HTTPHeaders()
            responseHeaders.add(name: "content-type", value: "application/json")
            responseHeaders.add(name: "content-length", value: String(text.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: responseHeaders))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
