import NIOCore

/// Sits in front of NIO's HTTP/2 handler and closes the connection once that
/// handler has written a GOAWAY with an error code. NIO answers a connection
/// error (a flood limit, a protocol violation) with such a GOAWAY but leaves
/// the socket open, and a hostile client would simply keep sending; stream
/// errors (RST_STREAM) leave the connection alone, and a graceful GOAWAY
/// (NO_ERROR, from idle or drain) is the connection manager's business.
///
/// It reads only the 9-byte frame headers (and a GOAWAY's first 8 payload
/// bytes) as frames go out; everything else is skipped by length.
final class GoAwayCloser: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// How long the GOAWAY may take to leave before the connection is closed anyway
    /// (a client that does not read would otherwise hold it open).
    static let flushGrace = TimeAmount.seconds(1)

    private static let goAwayType: UInt8 = 0x7

    /// Bytes of the current frame header (or GOAWAY prefix) gathered so far.
    private var gathered: [UInt8] = []
    /// Payload bytes of the current frame still to pass unread.
    private var skipping = 0
    /// Inside a GOAWAY: its payload length, once its header is complete.
    private var goAwayLength: Int?
    private var closing = false

    init() {
        gathered.reserveCapacity(17)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closing else {
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .byteBuffer(let buffer):
            if scan(buffer) {
                return closeAfter(data, context: context, promise: promise)
            }
        case .fileRegion(let region):
            skip(region.readableBytes)
        }
        context.write(data, promise: promise)
    }

    /// Follows the frame layout through `buffer`; true when it completes a GOAWAY with an error code.
    private func scan(_ buffer: ByteBuffer) -> Bool {
        var found = false
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                if skipping > 0 {
                    let take = min(skipping, bytes.count - index)
                    skipping -= take
                    index += take
                    continue
                }
                gathered.append(bytes[index])
                index += 1
                if let length = goAwayLength {
                    guard gathered.count == 9 + 8 else { continue }
                    let code = gathered[13..<17].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    if code != 0 { found = true }
                    skipping = length - 8
                    goAwayLength = nil
                    gathered.removeAll(keepingCapacity: true)
                } else if gathered.count == 9 {
                    let length = Int(gathered[0]) << 16 | Int(gathered[1]) << 8 | Int(gathered[2])
                    if gathered[3] == Self.goAwayType, length >= 8 {
                        goAwayLength = length
                    } else {
                        skipping = length
                        gathered.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        return found
    }

    private func skip(_ count: Int) {
        skipping = max(0, skipping - count)
    }

    private func closeAfter(_ data: NIOAny, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        closing = true
        let written = promise ?? context.eventLoop.makePromise()
        context.write(data, promise: written)
        let grace = context.eventLoop.assumeIsolated().scheduleTask(in: Self.flushGrace) {
            context.close(promise: nil)
        }
        written.futureResult.assumeIsolated().whenComplete { _ in
            grace.cancel()
            context.close(promise: nil)
        }
    }
}
