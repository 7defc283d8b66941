import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Serves HTML pages to a real browser from several listeners on 127.0.0.1,
/// one port per origin a test needs (an origin differing only by port is a
/// different origin). Every listener serves the same pages, set by path after
/// binding, so they can name the ports and the gateway's address.
final class PageServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channels: [Channel]
    private let pages: PageStore

    /// The bound ports, in the order they were asked for.
    let ports: [Int]

    /// Binds `listeners` ports on 127.0.0.1.
    static func start(listeners: Int) async throws -> PageServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pages = PageStore()
        var channels: [Channel] = []
        do {
            for _ in 0..<listeners {
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(PageHandler(pages: pages))
                        }
                    }
                    .bind(host: "127.0.0.1", port: 0)
                    .get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
        return PageServer(group: group, channels: channels, pages: pages)
    }

    private init(group: MultiThreadedEventLoopGroup, channels: [Channel], pages: PageStore) {
        self.group = group
        self.channels = channels
        self.pages = pages
        ports = channels.map { $0.localAddress!.port! }
    }

    /// The origin a page loaded from listener `index` has.
    func origin(_ index: Int) -> String {
        "http://127.0.0.1:\(ports[index])"
    }

    /// Serves `html` at `path` (no query) on every listener.
    func setPage(_ path: String, html: String) {
        pages.set(path, html: html)
    }

    func stop() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// The pages by path, shared by the listeners' handlers.
private final class PageStore: Sendable {
    private let pages = Mutex<[String: String]>([:])

    func set(_ path: String, html: String) {
        pages.withLock { $0[path] = html }
    }

    func page(_ path: String) -> String? {
        pages.withLock { $0[path] }
    }
}

/// Answers `GET path` with the page set for it, or 404.
private final class PageHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let pages: PageStore
    private var path: String?

    init(pages: PageStore) {
        self.pages = pages
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        case .body:
            break
        case .end:
            let html = path.flatMap(pages.page)
            path = nil
            let body = ByteBuffer(string: html ?? "no such page")
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: html == nil ? "text/plain" : "text/html; charset=utf-8")
            headers.add(name: "content-length", value: String(body.readableBytes))
            headers.add(name: "cache-control", value: "no-store")
            let status: HTTPResponseStatus = html == nil ? .notFound : .ok
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
