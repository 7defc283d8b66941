import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An upstream for the smuggling tests that keeps every byte the gateway sent
/// it, per connection, exactly as it arrived, and answers from a script.
///
/// It parses with NIO's decoder only to know when a request ends, so that it
/// can answer it; what reached it is judged afterwards from the raw bytes
/// (`UpstreamTranscript`). Answers are written as raw bytes, so a script can
/// misbehave on purpose: extra bytes, two lengths, a body on a 204, a
/// response before any request.
final class RecordingUpstream: Sendable {
    /// One request as the live decoder saw it, with the index of its connection.
    struct Request: Sendable {
        var connection: Int
        var method: String
        var uri: String
        var headers: [(String, String)]
    }

    /// What the upstream does with one request (or a new connection).
    struct Reply: Sendable {
        var bytes: [UInt8]
        var close = false
        /// How long the upstream waits before writing it.
        var delay: TimeAmount = .zero

        /// `200`, `Content-Length`, and a body naming the path it answers.
        static func naming(_ uri: String) -> Reply {
            let body = "path=\(uri)"
            return Reply(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        }

        static func raw(_ text: String, close: Bool = false, delay: TimeAmount = .zero) -> Reply {
            Reply(bytes: Array(text.utf8), close: close, delay: delay)
        }
    }

    /// The answer to each request; `nil` keeps the request waiting.
    typealias Script = @Sendable (Request) -> Reply?

    let port: Int
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup
    private let state: State

    final class State: Sendable {
        let bytes = Mutex<[[UInt8]]>([])
        let requests = Mutex<[Request]>([])
        let decoderErrors = Mutex<[String]>([])
        let children = Mutex<[Channel]>([])
    }

    /// Starts on 127.0.0.1:0. `onConnect` is written to the first connection
    /// as soon as it is accepted, before anything is read (an unsolicited response).
    static func start(onConnect: Reply? = nil, script: @escaping Script = { .naming($0.uri) }) async throws -> RecordingUpstream {
        let state = State()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let index = state.bytes.withLock { bytes in
                    bytes.append([])
                    return bytes.count - 1
                }
                state.children.withLock { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteRecorder(state: state, connection: index))
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(ScriptedResponder(state: state, connection: index, onConnect: index == 0 ? onConnect : nil, script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return RecordingUpstream(port: channel.localAddress!.port!, channel: channel, group: group, state: state)
    }

    private init(port: Int, channel: Channel, group: MultiThreadedEventLoopGroup, state: State) {
        self.port = port
        self.channel = channel
        self.group = group
        self.state = state
    }

    /// Every connection's bytes, in the order the connections were accepted.
    var connections: [[UInt8]] { state.bytes.withLock { $0 } }
    /// Requests as the live decoder parsed them, in arrival order.
    var requests: [Request] { state.requests.withLock { $0 } }
    /// Errors of the live decoder: the gateway sent something it could not parse.
    var decoderErrors: [String] { state.decoderErrors.withLock { $0 } }

    /// The raw bytes, judged by the strict reference parsers.
    func transcript() -> UpstreamTranscript {
        UpstreamTranscript(connections: connections)
    }

    func stop() async {
        let children = state.children.withLock { $0 }
        for child in children { try? await child.close() }
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Appends every byte read to its connection's record, then passes it on.
private final class ByteRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let state: RecordingUpstream.State
    let connection: Int

    init(state: RecordingUpstream.State, connection: Int) {
        self.state = state
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        state.bytes.withLock { $0[connection].append(contentsOf: buffer.readableBytesView) }
        context.fireChannelRead(data)
    }
}

/// Answers each request the decoder completes with the script's raw bytes.
private final class ScriptedResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    let state: RecordingUpstream.State
    let connection: Int
    let onConnect: RecordingUpstream.Reply?
    let script: RecordingUpstream.Script
    private var head: HTTPRequestHead?

    init(state: RecordingUpstream.State, connection: Int, onConnect: RecordingUpstream.Reply?, script: @escaping RecordingUpstream.Script) {
        self.state = state
        self.connection = connection
        self.onConnect = onConnect
        self.script = script
    }

    func channelActive(context: ChannelHandlerContext) {
        if let onConnect { send(onConnect, context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let request = RecordingUpstream.Request(
                connection: connection,
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }
            )
            state.requests.withLock { $0.append(request) }
            if let reply = script(request) { send(reply, context: context) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        state.decoderErrors.withLock { $0.append("connection \(connection): \(error)") }
        context.close(promise: nil)
    }

    private func send(_ reply: RecordingUpstream.Reply, context: ChannelHandlerContext) {
        guard reply.delay == .zero else {
            context.eventLoop.assumeIsolated().scheduleTask(in: reply.delay) {
                self.send(RecordingUpstream.Reply(bytes: reply.bytes, close: reply.close), context: context)
            }
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: reply.bytes)
        let written = context.writeAndFlush(wrapOutboundOut(buffer))
        if reply.close {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
