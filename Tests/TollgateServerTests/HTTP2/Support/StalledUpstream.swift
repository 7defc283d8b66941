import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 upstream that does not read its connections until `resume()`:
/// the slow reader behind one HTTP/2 stream. Once reading, it answers each
/// request with `{"body_bytes": N}`.
final class StalledUpstream: Sendable {
    let port: Int
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup
    private let children: Children

    /// The accepted connections, shared with the accepting event loop.
    final class Children: Sendable {
        let list = Mutex<[Channel]>([])
    }

    static func start() async throws -> StalledUpstream {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let children = Children()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                children.list.withLock { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ByteCountingResponder())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return StalledUpstream(channel: channel, group: group, children: children)
    }

    private init(channel: Channel, group: MultiThreadedEventLoopGroup, children: Children) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.group = group
        self.children = children
    }

    var connectionCount: Int { children.list.withLock { $0.count } }

    /// Starts reading every connection, now and from now on.
    func resume() async throws {
        for child in children.list.withLock({ $0 }) {
            try await child.setOption(ChannelOptions.autoRead, value: true).get()
        }
    }

    func stop() async {
        try? await channel.close().get()
        try? await group.shutdownGracefully()
    }
}

private final class ByteCountingResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var bytes = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            bytes = 0
        case .body(let body):
            bytes += body.readableBytes
        case .end:
            let body = ByteBuffer(string: "{\"body_bytes\": \(bytes)}")
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.readableBytes))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
