import NIOCore
import NIOHTTP1
import NIOPosix
import TollgateCore

/// The admin listener (`server.admin`): `/healthz` and `/readyz`, on its own
/// address, never on the public listeners.
enum AdminServer {
    static func bind(_ address: HostPort, group: EventLoopGroup, readiness: Readiness) async throws -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(readiness: readiness))
                }
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw GatewayServerError.cannotListen(address: address.description, reason: "\(error)")
        }
    }
}

/// Answers one admin request at a time with a small JSON body.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let readiness: Readiness
    private var head: HTTPRequestHead?

    init(readiness: Readiness) {
        self.readiness = readiness
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
            let (status, body) = answer(head)
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String) {
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, Rejection(.methodNotAllowed, "the admin listener answers GET only").jsonBody)
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/healthz":
            return (.ok, "{\"status\":\"ok\"}")
        case "/readyz":
            return readiness.isReady ? (.ok, "{\"status\":\"ready\"}") : (.serviceUnavailable, "{\"status\":\"not ready\"}")
        default:
            return (.notFound, Rejection(.notFound, "the admin listener serves /healthz and /readyz").jsonBody)
        }
    }
}
