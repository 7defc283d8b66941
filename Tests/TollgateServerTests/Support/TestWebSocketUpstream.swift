import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A real WebSocket upstream on 127.0.0.1 (NIO's own server upgrader): it
/// echoes text and binary frames, answers pings, and answers the text frame
/// `close-me` by closing its connection. An upgrade request to `/refuse` is
/// not upgraded and gets an ordinary 200 with `{"upgraded":false}`, like any
/// request without `Upgrade`. It records each upgrade request's headers.
final class TestWebSocketUpstream: Sendable {
    let port: Int
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup
    private let handshakes = Mutex<[[(String, String)]]>([])
    private let plainRequests = Atomic<Int>(0)
    let openConnections = Atomic<Int>(0)

    /// The largest frame it accepts (the tests send up to 1 MiB in one frame).
    static let maxFrameSize = 2 << 20

    private init(port: Int, channel: Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    static func start() async throws -> TestWebSocketUpstream {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = Mutex<TestWebSocketUpstream?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let server = box.withLock { $0 }!
                server.openConnections.add(1, ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in server.openConnections.subtract(1, ordering: .relaxed) }
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: maxFrameSize,
                    shouldUpgrade: { channel, head in
                        guard head.uri != "/refuse" else { return channel.eventLoop.makeSucceededFuture(nil) }
                        server.handshakes.withLock { $0.append(head.headers.map { ($0.name, $0.value) }) }
                        return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            let pipeline = channel.pipeline.syncOperations
                            pipeline.removeHandler(context: try pipeline.context(handlerType: PlainHandler.self), promise: nil)
                            try pipeline.addHandler(EchoFrameHandler())
                        }
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(PlainHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = TestWebSocketUpstream(port: channel.localAddress!.port!, channel: channel, group: group)
        box.withLock { $0 = server }
        return server
    }

    /// The headers of every upgrade request that reached it.
    var upgradeRequests: [[(String, String)]] { handshakes.withLock { $0 } }

    /// How many requests it answered without upgrading.
    var plainRequestCount: Int { plainRequests.load(ordering: .relaxed) }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Answers a request that was not upgraded.
    private final class PlainHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: TestWebSocketUpstream

        init(server: TestWebSocketUpstream) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            server.plainRequests.add(1, ordering: .relaxed)
            let body = ByteBuffer(string: #"{"upgraded":false}"#)
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: "\(body.readableBytes)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// Echoes data frames, answers pings and close frames.
    private final class EchoFrameHandler: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            let payload = frame.unmaskedData
            switch frame.opcode {
            case .text where String(buffer: payload) == "close-me":
                context.close(promise: nil)
            case .text, .binary:
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: frame.opcode, data: payload)), promise: nil)
            case .ping:
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
            case .connectionClose:
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
                    .whenComplete { _ in channel.close(promise: nil) }
            default:
                return
            }
        }
    }
}

/// WebSocket frames as a browser client writes them (masked) and reads them
/// (unmasked), for raw-socket tests.
enum WebSocketWire {
    static let upgradeKey = "dGhlIHNhbXBsZSBub25jZQ=="
    /// RFC 6455 §1.3: the accept value for `upgradeKey`.
    static let expectedAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    /// The opening handshake's request head.
    static func upgradeRequest(path: String, token: String?, extra: String = "") -> String {
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        return "GET \(path) HTTP/1.1\r\nHost: api.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(upgradeKey)\r\nSec-WebSocket-Version: 13\r\n\(authorization)\(extra)\r\n"
    }

    /// One final, masked client frame.
    static func clientFrame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        let count = payload.count
        if count < 126 {
            frame.append(0x80 | UInt8(count))
        } else if count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((count >> ($0 * 8)) & 0xFF) }
        }
        let mask: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    /// Reads one unmasked server frame: its opcode and payload.
    static func readServerFrame(_ connection: RawHTTPConnection) throws -> (opcode: UInt8, payload: [UInt8]) {
        let head = try connection.read(count: 2)
        guard head[1] & 0x80 == 0 else { throw GatewayTestError("a server frame must not be masked") }
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let extended = try connection.read(count: 2)
            length = Int(extended[0]) << 8 | Int(extended[1])
        } else if length == 127 {
            length = try connection.read(count: 8).reduce(0) { $0 << 8 | Int($1) }
        }
        return (head[0] & 0x0F, try connection.read(count: length))
    }
}
