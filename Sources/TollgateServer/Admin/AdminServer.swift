import NIOCore
import NIOHTTP1
import NIOPosix
import TollgateCore

/// The admin listener (`server.admin`): `/healthz`, `/readyz` and `/metrics`,
/// on its own address, never on the public listeners.
enum AdminServer {
    static func bind(_ address: HostPort, group: EventLoopGroup, readiness: Readiness, metrics: MetricsCollector) async throws -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(readiness: readiness, metrics: metrics))
                }
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw GatewayServerError.cannotListen(address: address.description, reason: "\(error)")
        }
    }
}

/// Answers one admin request at a time (NIO's pipelining handler queues the
/// next): a small JSON body, or the Prometheus page gathered from the loops.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let jsonType = "application/json"
    private static let prometheusType = "text/plain; version=0.0.4; charset=utf-8"

    private let readiness: Readiness
    private let metrics: MetricsCollector
    private var head: HTTPRequestHead?

    init(readiness: Readiness, metrics: MetricsCollector) {
        self.readiness = readiness
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            return
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            if path == "/metrics", head.method == .GET || head.method == .HEAD {
                metrics.scrape(on: context.eventLoop).assumeIsolated().whenComplete { [self] result in
                    switch result {
                    case .success(let page):
                        respond(context: context, head: head, status: .ok, type: Self.prometheusType, body: page)
                    case .failure:
                        respond(context: context, head: head, status: .serviceUnavailable, type: Self.jsonType, body: "{\"status\":\"shutting down\"}")
                    }
                }
                return
            }
            let (status, body) = answer(head, path: path)
            respond(context: context, head: head, status: status, type: Self.jsonType, body: body)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, type: String, body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: type)
        headers.add(name: "content-length", value: String(body.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func answer(_ head: HTTPRequestHead, path: String) -> (HTTPResponseStatus, String) {
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, Rejection(.methodNotAllowed, "the admin listener answers GET only").jsonBody)
        }
        switch path {
        case "/healthz":
            return (.ok, "{\"status\":\"ok\"}")
        case "/readyz":
            return readiness.isReady ? (.ok, "{\"status\":\"ready\"}") : (.serviceUnavailable, "{\"status\":\"not ready\"}")
        default:
            return (.notFound, Rejection(.notFound, "the admin listener serves /healthz, /readyz and /metrics").jsonBody)
        }
    }
}
