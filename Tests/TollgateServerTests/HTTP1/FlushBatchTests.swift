import NIOCore
import NIOEmbedded
import Testing
@testable import TollgateServer

/// `FlushBatch`: writes reach the socket only at the end of the loop's pass,
/// every channel queued in the pass is flushed then, and a channel whose
/// handler left the pipeline meanwhile is flushed all the same.
@Suite("Flushes at the end of the pass")
struct FlushBatchTests {
    /// Writes without flushing, as the proxy handler does before queueing a flush.
    final class Writer: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = ByteBuffer
    }

    /// One loop, its batch, and channels whose writes wait for it.
    struct Fixture {
        let loop = EmbeddedEventLoop()
        let batch: FlushBatch

        init() { batch = FlushBatch(eventLoop: loop) }

        func channel() throws -> (EmbeddedChannel, ChannelHandlerContext) {
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(Writer())
            return (channel, try channel.pipeline.syncOperations.context(handlerType: Writer.self))
        }

        /// Writes `texts` through `context` unflushed, then queues the channel's flush.
        func write(_ texts: String..., on channel: EmbeddedChannel, _ context: ChannelHandlerContext) {
            for text in texts { context.write(NIOAny(ByteBuffer(string: text)), promise: nil) }
            batch.flushAtEndOfPass(channel)
        }
    }

    static func sent(_ channel: EmbeddedChannel) throws -> ByteBuffer? {
        try channel.readOutbound(as: ByteBuffer.self)
    }

    @Test("nothing is sent before the pass ends; then every queued channel is, in the order written")
    func flushedAtTheEndOfThePass() throws {
        let fixture = Fixture()
        let (first, firstContext) = try fixture.channel()
        let (second, secondContext) = try fixture.channel()
        fixture.write("one", on: first, firstContext)
        fixture.write("two", "three", on: second, secondContext)
        #expect(try Self.sent(first) == nil)
        #expect(try Self.sent(second) == nil)

        fixture.loop.run()
        #expect(try Self.sent(first) == ByteBuffer(string: "one"))
        #expect(try Self.sent(second) == ByteBuffer(string: "two"))
        #expect(try Self.sent(second) == ByteBuffer(string: "three"))
        #expect(try Self.sent(first) == nil)
    }

    @Test("the next pass has a batch of its own")
    func nextPass() throws {
        let fixture = Fixture()
        let (channel, context) = try fixture.channel()
        fixture.write("a", on: channel, context)
        fixture.loop.run()
        #expect(try Self.sent(channel) == ByteBuffer(string: "a"))

        fixture.write("b", on: channel, context)
        #expect(try Self.sent(channel) == nil)
        fixture.loop.run()
        #expect(try Self.sent(channel) == ByteBuffer(string: "b"))
    }

    @Test("a handler that left the pipeline before the pass ended does not strand its writes")
    func handlerRemoved() throws {
        let fixture = Fixture()
        let (channel, context) = try fixture.channel()
        fixture.write("response", on: channel, context)
        try channel.pipeline.syncOperations.removeHandler(context: context).wait()
        fixture.loop.run()
        #expect(try Self.sent(channel) == ByteBuffer(string: "response"))
    }
}
