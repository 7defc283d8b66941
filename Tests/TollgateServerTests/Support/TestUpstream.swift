import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A real HTTP/1.1 upstream on 127.0.0.1 for integration tests. It records
/// what reached it and behaves by path:
/// - `/slow?ms=N`: waits N ms before answering;
/// - `/hold?id=X`: answers only when the test calls `release("X")`;
/// - `/reset`: resets the connection on the request head;
/// - `/bytes?n=N`: streams N bytes of `TestPattern` (honouring backpressure);
/// - `/hop`: answers with hop-by-hop headers that must not reach the client;
/// - `/close`: answers with `Connection: close` and closes;
/// - `/with-cors`: answers with its own `Access-Control-Allow-Origin: *` and `Vary: Accept-Encoding`;
/// - anything else: echoes the request as JSON, with the body's SHA-256.
/// With a TLS context it serves HTTPS, and counts the handshakes that succeeded.
final class TestUpstream: Sendable {
    /// One request as the upstream saw it.
    struct Received: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var bodyBytes: Int

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func headers(named name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }
    }

    let channel: Channel
    let port: Int
    let stats: Stats

    /// Counters shared with the handlers on the event loop.
    final class Stats: Sendable {
        let connections = Atomic<Int>(0)
        let tlsHandshakes = Atomic<Int>(0)
        let openConnections = Atomic<Int>(0)
        let requests = Mutex<[Received]>([])
        /// Every request head as it arrived, before its body: a request cut off
        /// mid-body shows here but never in `requests`.
        let heads = Mutex<[String]>([])
        let children = Mutex<[Channel]>([])
        /// `/hold` requests waiting for `release`, by id.
        let held = Mutex<[String: @Sendable () -> Void]>([:])

        var received: [Received] { requests.withLock { $0 } }
    }

    /// Its own event loop, so that one test's heavy streaming never delays another's upstream.
    let group: MultiThreadedEventLoopGroup

    static func start(tls: NIOSSLContext? = nil) async throws -> TestUpstream {
        let stats = Stats()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                stats.connections.add(1, ordering: .relaxed)
                stats.openConnections.add(1, ordering: .relaxed)
                stats.children.withLock { $0.append(channel) }
                channel.closeFuture.whenComplete { _ in stats.openConnections.subtract(1, ordering: .relaxed) }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                        try channel.pipeline.syncOperations.addHandler(HandshakeCounter(stats: stats))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestUpstreamHandler(stats: stats))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestUpstream(channel: channel, port: channel.localAddress!.port!, stats: stats, group: group)
    }

    private init(channel: Channel, port: Int, stats: Stats, group: MultiThreadedEventLoopGroup) {
        self.channel = channel
        self.port = port
        self.stats = stats
        self.group = group
    }

    func isHolding(_ id: String) -> Bool {
        stats.held.withLock { $0[id] != nil }
    }

    /// Waits until the `/hold?id=X` request has arrived (at most 10 s).
    func waitForHeld(_ id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !isHolding(id) {
            guard ContinuousClock.now < deadline else { throw GatewayTestError("no /hold?id=\(id) request arrived") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Answers the `/hold?id=X` request (waiting at most 10 s for it to arrive).
    func release(_ id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let respond = stats.held.withLock({ $0.removeValue(forKey: id) }) {
                respond()
                return
            }
            guard ContinuousClock.now < deadline else { throw GatewayTestError("no /hold?id=\(id) request arrived") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    var received: [Received] { stats.received }
    /// The URIs of all request heads that arrived, complete requests or not.
    var headsSeen: [String] { stats.heads.withLock { $0 } }
    var connectionCount: Int { stats.connections.load(ordering: .relaxed) }
    var tlsHandshakeCount: Int { stats.tlsHandshakes.load(ordering: .relaxed) }
    var openConnectionCount: Int { stats.openConnections.load(ordering: .relaxed) }

    /// Waits until `count` requests have reached the upstream (at most 10 s).
    func waitForRequests(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while received.count < count {
            guard ContinuousClock.now < deadline else {
                throw GatewayTestError("only \(received.count) of \(count) requests reached the upstream")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Closes every connection that is not inside a request, as a restarting upstream would.
    func closeIdleConnections() async throws {
        let children = stats.children.withLock { $0 }
        for child in children { try? await child.close() }
        try await Task.sleep(for: .milliseconds(100))
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// The byte stream `/bytes` sends and tests check: byte i is `(i * 31 + 7) mod 256`.
enum TestPattern {
    static func fill(_ buffer: UnsafeMutableRawBufferPointer, startingAt offset: Int) {
        for index in 0..<buffer.count {
            buffer[index] = UInt8(truncatingIfNeeded: (offset + index) &* 31 &+ 7)
        }
    }

    static func sha256(count: Int) -> String {
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 65536)
        var offset = 0
        while offset < count {
            let take = min(chunk.count, count - offset)
            chunk.withUnsafeMutableBytes { fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<take]), startingAt: offset) }
            hasher.update(data: chunk[..<take])
            offset += take
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Counts the TLS handshakes a `TestUpstream` completed.
final class HandshakeCounter: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let stats: TestUpstream.Stats

    init(stats: TestUpstream.Stats) {
        self.stats = stats
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { stats.tlsHandshakes.add(1, ordering: .relaxed) }
        context.fireUserInboundEventTriggered(event)
    }
}

final class TestUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let stats: TestUpstream.Stats
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var hasher = SHA256()
    private var streamRemaining = 0
    private var streamOffset = 0
    /// A flush inside `streamMore` can report writability synchronously; this
    /// keeps that nested call from writing too.
    private var streaming = false

    init(stats: TestUpstream.Stats) {
        self.stats = stats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            stats.heads.withLock { $0.append(head.uri) }
            self.head = head
            bodyBytes = 0
            hasher = SHA256()
            if path(head) == "/reset" {
                record(head)
                let closing = (context.channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                    ?? context.eventLoop.makeSucceededVoidFuture()
                closing.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        case .body(let body):
            bodyBytes += body.readableBytes
            body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        case .end:
            guard let head else { return }
            self.head = nil
            record(head)
            respond(to: head, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { streamMore(context: context) }
        context.fireChannelWritabilityChanged()
    }

    private func record(_ head: HTTPRequestHead) {
        let received = TestUpstream.Received(
            method: head.method.rawValue,
            uri: head.uri,
            headers: head.headers.map { ($0.name, $0.value) },
            bodyBytes: bodyBytes
        )
        stats.requests.withLock { $0.append(received) }
    }

    private func path(_ head: HTTPRequestHead) -> String {
        String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
    }

    private func query(_ head: HTTPRequestHead, _ name: String) -> Int? {
        queryText(head, name).flatMap { Int($0) }
    }

    private func queryText(_ head: HTTPRequestHead, _ name: String) -> String? {
        guard let query = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]) }
        }
        return nil
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch path(head) {
        case "/slow":
            let delay = TimeAmount.milliseconds(Int64(query(head, "ms") ?? 1000))
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.echo(head, context: context)
            }
        case "/hold":
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            stats.held.withLock {
                $0[queryText(head, "id") ?? ""] = {
                    eventLoop.execute {
                        let (handler, context) = loopBound.value
                        handler.echo(head, context: context)
                    }
                }
            }
        case "/bytes":
            streamRemaining = query(head, "n") ?? 0
            streamOffset = 0
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: String(streamRemaining))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            streamMore(context: context)
        case "/hop":
            var headers = HTTPHeaders()
            headers.add(name: "connection", value: "x-hop")
            headers.add(name: "x-hop", value: "1")
            headers.add(name: "keep-alive", value: "timeout=5")
            headers.add(name: "proxy-authenticate", value: "Basic")
            headers.add(name: "x-kept", value: "yes")
            headers.add(name: "content-length", value: "2")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "/with-cors":
            var headers = HTTPHeaders()
            headers.add(name: "access-control-allow-origin", value: "*")
            headers.add(name: "access-control-allow-credentials", value: "true")
            headers.add(name: "vary", value: "Accept-Encoding")
            headers.add(name: "content-length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "/close":
            var headers = HTTPHeaders()
            headers.add(name: "connection", value: "close")
            headers.add(name: "content-length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        default:
            echo(head, context: context)
        }
    }

    private func echo(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let object: [String: Any] = [
            "method": head.method.rawValue,
            "uri": head.uri,
            "headers": head.headers.map { [$0.name, $0.value] },
            "body_bytes": bodyBytes,
            "body_sha256": digest,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(data.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: data)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func streamMore(context: ChannelHandlerContext) {
        guard streamRemaining > 0, !streaming else { return }
        streaming = true
        defer { streaming = false }
        while streamRemaining > 0, context.channel.isWritable {
            let take = min(65536, streamRemaining)
            var buffer = context.channel.allocator.buffer(capacity: take)
            let offset = streamOffset
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: take) { raw in
                TestPattern.fill(UnsafeMutableRawBufferPointer(rebasing: raw[..<take]), startingAt: offset)
                return take
            }
            streamOffset += take
            streamRemaining -= take
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if streamRemaining == 0 {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
