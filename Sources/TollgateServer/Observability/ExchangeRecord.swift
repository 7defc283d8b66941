import NIOCore
import TollgateCore

/// What a client connection's handler notes about one request while serving
/// it, handed to `LoopContext.observe` once its response is complete: the
/// source of the request metrics and of the access-log line. A plain value
/// filled by a few assignments on the request path; it never holds a token.
struct ExchangeRecord {
    /// When the request head arrived.
    var started: NIODeadline
    /// False when the request head could not be parsed (a malformed request):
    /// its method and path are then unknown.
    var headParsed: Bool
    /// The matched route's name, in the snapshot that decided.
    var route: String?
    var tokenCheck = TokenCheck.notChecked
    /// The status sent to the client.
    var status = 0
    /// When forwarding began (the upstream connection was asked for).
    var upstreamStarted: NIODeadline?
    /// From `upstreamStarted` to the upstream response's end (or its failure).
    var upstreamNanoseconds: Int64?
    /// Response body bytes sent to the client.
    var bytesOut = 0

    init(started: NIODeadline, headParsed: Bool = true) {
        self.started = started
        self.headParsed = headParsed
    }

    /// Notes what the core's decision says about the route and the token.
    mutating func noteDecision(_ decision: GateDecision, of snapshot: GatewaySnapshot) {
        switch decision {
        case .forward(let admission):
            route = snapshot.routes[admission.route].name
            tokenCheck = admission.tokenCheck
        case .reject(let rejection):
            route = rejection.route.map { snapshot.routes[$0].name }
            tokenCheck = rejection.tokenCheck
        case .answer, .awaitKeys, .introspect, .checkReplay, .verifyLater:
            break
        }
    }

    /// The upstream part is over (its response ended, or it failed).
    mutating func upstreamFinished() {
        guard let upstreamStarted, upstreamNanoseconds == nil else { return }
        upstreamNanoseconds = Int64(NIODeadline.now().uptimeNanoseconds) - Int64(upstreamStarted.uptimeNanoseconds)
    }
}
