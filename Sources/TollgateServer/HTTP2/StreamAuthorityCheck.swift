import NIOCore
import NIOHPACK
import NIOHTTP2
import TollgateCore

/// The first handler of an HTTP/2 stream. A request whose `host` field names
/// another authority than its `:authority` is malformed (RFC 9113 §8.3.1) and
/// is answered 400 `invalid_request` here.
///
/// NIO's HTTP/2-to-HTTP/1 codec keeps `host` and drops `:authority`, so the
/// gateway routes and forwards by `host`. A proxy in front that routed by
/// `:authority` would have applied another route's rules than the one the
/// request is served by. The handler leaves the pipeline after the first
/// HEADERS, so the stream's other frames pass one handler fewer.
final class StreamAuthorityCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        guard case .headers(let headers) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if Self.namesAnotherAuthority(headers.headers) {
            refused = true
            refuse(context: context, requestEnded: headers.endStream)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Whether the request carries both `:authority` and `host` and they name
    /// different authorities: host names compare ASCII case-insensitively, and
    /// a port the scheme implies equals no port.
    static func namesAnotherAuthority(_ headers: HPACKHeaders) -> Bool {
        guard let authority = headers.first(name: ":authority") else { return false }
        let scheme = headers.first(name: ":scheme")
        for host in headers[canonicalForm: "host"] {
            if normalized(authority, scheme: scheme) != normalized(host, scheme: scheme) { return true }
        }
        return false
    }

    private static func normalized(_ authority: some StringProtocol, scheme: String?) -> String {
        var text = authority.lowercased()
        let defaultPort = switch scheme {
        case "https": ":443"
        case "http": ":80"
        default: ""
        }
        if !defaultPort.isEmpty, text.hasSuffix(defaultPort) { text.removeLast(defaultPort.count) }
        return text
    }

    private func refuse(context: ChannelHandlerContext, requestEnded: Bool) {
        let rejection = Rejection(.invalidRequest, "the host field names another authority than :authority (RFC 9113 §8.3.1)")
        let body = rejection.jsonBody
        let head = HPACKHeaders([
            (":status", String(rejection.status)),
            ("content-type", "application/json"),
            ("content-length", String(body.utf8.count)),
        ])
        context.write(wrapOutboundOut(.headers(.init(headers: head))), promise: nil)
        let data = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(context.channel.allocator.buffer(string: body)), endStream: true))
        context.writeAndFlush(wrapOutboundOut(data), promise: nil)
        // A request still sending its body is reset once the answer is out.
        if !requestEnded { context.close(promise: nil) }
    }
}
