import NIOCore
import NIOSSL
import NIOTLS
import TollgateCore

/// Sits behind an upstream connection's TLS handler until the handshake is
/// done, so the pool lends the connection only once the upstream's certificate
/// was verified, and a failed or stalled handshake (no more than
/// `connect_timeout`) is reported as a TLS failure, not as a lost connection.
final class UpstreamHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// Why an upstream TLS handshake did not complete.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let promise: EventLoopPromise<Void>
    private let timeout: Duration
    private let host: String
    private var deadline: Scheduled<Void>?
    private var done = false

    init(promise: EventLoopPromise<Void>, timeout: Duration, host: String) {
        self.promise = promise
        self.timeout = timeout
        self.host = host
    }

    var handshakeDone: EventLoopFuture<Void> { promise.futureResult }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            finish(.failure(Failure(description: "no TLS handshake within \(timeout.configText)")))
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(Failure(description: "the connection closed during the TLS handshake")))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            finish(.success(()))
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(Failure(description: TLSFailureReason.describe(error, host: host))))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(Failure(description: "the upstream closed the connection during the TLS handshake")))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, Error>) {
        guard !done else { return }
        done = true
        deadline?.cancel()
        promise.completeWith(result)
    }
}
