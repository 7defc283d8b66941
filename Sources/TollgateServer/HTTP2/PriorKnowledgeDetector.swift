import NIOCore
import TollgateCore

/// Decides the protocol of a cleartext client connection from its first
/// bytes: the HTTP/2 connection preface (RFC 9113 §3.4, "prior knowledge")
/// selects the HTTP/2 pipeline, anything else the HTTP/1.1 one, at the first
/// byte that differs from the preface. It sits behind the connection timers,
/// so the header timeout applies while it waits; the reads it holds meanwhile
/// are passed on as they came, never copied.
final class PriorKnowledgeDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The 24 bytes every HTTP/2 client sends first.
    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private enum WireProtocol {
        case http1
        case http2
    }

    private let timers: ConnectionTimerHandler
    private let loop: NIOLoopBound<LoopContext>
    private let scheme: String
    /// How many bytes of the preface have arrived so far.
    private var matched = 0
    /// Reads that are all preface so far, held until the decision.
    private var held: [ByteBuffer] = []

    private init(timers: ConnectionTimerHandler, loop: NIOLoopBound<LoopContext>, scheme: String) {
        self.timers = timers
        self.loop = loop
        self.scheme = scheme
    }

    /// The start of every cleartext connection: timers → detector; the
    /// detector adds the chosen protocol's handlers behind itself, then leaves.
    static func configure(_ channel: Channel, loop: NIOLoopBound<LoopContext>, scheme: String) throws {
        let timers = HTTP1Pipeline.makeTimers(loop, scheme: scheme)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(timers)
        try sync.addHandler(PriorKnowledgeDetector(timers: timers, loop: loop, scheme: scheme))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        held.append(buffer)
        if let chosen = scan(buffer) {
            switchTo(chosen, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Draining: a connection that has not finished its first request line
        // or preface has nothing in flight.
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The protocol `buffer` decides, or nil while it is all preface.
    private func scan(_ buffer: ByteBuffer) -> WireProtocol? {
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                guard byte == Self.preface[matched] else { return .http1 }
                matched += 1
                if matched == Self.preface.count { return .http2 }
            }
            return nil
        }
    }

    private func switchTo(_ chosen: WireProtocol, context: ChannelHandlerContext) {
        let channel = context.channel
        do {
            switch chosen {
            case .http1:
                try HTTP1Pipeline.addHandlers(after: self, timers: timers, to: channel, loop: loop, scheme: scheme)
            case .http2:
                // HTTP/2 keeps its own idle timer; the HTTP/1.1 timers would
                // answer a stalled stream with an HTTP/1.1 408.
                let sync = channel.pipeline.syncOperations
                sync.removeHandler(timers, promise: nil)
                try HTTP2Pipeline.configure(channel, loop: loop, scheme: scheme)
            }
        } catch {
            context.close(promise: nil)
            return
        }
        let reads = held
        held = []
        for buffer in reads {
            context.fireChannelRead(wrapInboundOut(buffer))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// The HTTP/2 pipeline replaces the HTTP/1.1 timers once the preface has arrived.
extension ConnectionTimerHandler: RemovableChannelHandler {}
