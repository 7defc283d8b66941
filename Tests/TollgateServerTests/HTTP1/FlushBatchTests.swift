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

    static func channel(on loop: EmbeddedEventLoop) throws -> (EmbeddedChannel, ChannelHandlerContext) {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(Writer())
        let context = try channel.pipeline.syncOperations.context(handlerType: Writer.self)
        return (channel, context)
    }

    @Test("nothing is sent before the pass ends; then every queued channel is, in the order written")
    func flushedAtTheEndOfThePass() throws {
        let loop = EmbeddedEventLoop()
        let batch = FlushBatch(eventLoop: loop)
        let (first, firstContext) = try Self.channel(on: loop)
        let (second, secondContext) = try Self.channel(on: loop)
        firstContext.write(NIOAny(ByteBuffer(string: "one")), promise: nil)
        batch.flushAtEndOfPass(first)
        secondContext.write(NIOAny(ByteBuffer(string: "two")), promise: nil)
        secondContext.write(NIOAny(ByteBuffer(string: "three")), promise: nil)
        batch.flushAtEndOfPass(second)
        #expect(try first.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try second.readOutbound(as: ByteBuffer.self) == nil)

        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "one"))
        #expect(try second.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "two"))
        #expect(try second.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "three"))
        #expect(try first.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test("the next pass has a batch of its own")
    func nextPass() throws {
        let loop = EmbeddedEventLoop()
        let batch = FlushBatch(eventLoop: loop)
        let (channel, context) = try Self.channel(on: loop)
        context.write(NIOAny(ByteBuffer(string: "a")), promise: nil)
        batch.flushAtEndOfPass(channel)
        loop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "a"))

        context.write(NIOAny(ByteBuffer(string: "b")), promise: nil)
        batch.flushAtEndOfPass(channel)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        loop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "b"))
    }

    @Test("a handler that left the pipeline before the pass ended does not strand its writes")
    func handlerRemoved() throws {
        let loop = EmbeddedEventLoop()
        let batch = FlushBatch(eventLoop: loop)
        let (channel, context) = try Self.channel(on: loop)
        context.write(NIOAny(ByteBuffer(string: "response")), promise: nil)
        batch.flushAtEndOfPass(channel)
        try channel.pipeline.syncOperations.removeHandler(context: context).wait()
        loop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "response"))
    }
}
