import NIOHTTP1

/// What an HTTP/1.1 request asks of the connection beyond one exchange.
///
/// NIO's decoder (llhttp) stops parsing a connection after any request with
/// `Upgrade` and `Connection: upgrade`, or a `CONNECT`: such a connection can
/// carry no further HTTP request, so it closes after its answer unless it
/// becomes a WebSocket tunnel.
enum UpgradeRequest: Equatable {
    /// An ordinary request.
    case none
    /// `GET` with `Upgrade: websocket` and `Connection: upgrade` on HTTP/1.1: tunnelled once admitted and answered 101.
    case webSocket(protocols: String)
    /// Another upgrade (`h2c`, `TLS/1.2`…) or `CONNECT`: served without upgrading, then the connection closes.
    case other

    init(_ head: HTTPRequestHead) {
        guard head.version.major == 1 else {
            self = .none
            return
        }
        if head.method == .CONNECT {
            self = .other
            return
        }
        let upgrade = head.headers["upgrade"]
        guard !upgrade.isEmpty, Self.connectionNamesUpgrade(head.headers) else {
            self = .none
            return
        }
        let offersWebSocket = upgrade.contains { value in
            value.split(separator: ",").contains { ASCIICase.equal($0.trimmingHTTPWhitespace(), "websocket") }
        }
        if offersWebSocket, head.method == .GET, head.version.minor >= 1 {
            self = .webSocket(protocols: upgrade.joined(separator: ", "))
        } else {
            self = .other
        }
    }

    /// Whether the connection can carry another request after this one's answer.
    var keepsConnection: Bool { self == .none }

    private static func connectionNamesUpgrade(_ headers: HTTPHeaders) -> Bool {
        headers["connection"].contains { value in
            value.split(separator: ",").contains { ASCIICase.equal($0.trimmingHTTPWhitespace(), "upgrade") }
        }
    }
}
