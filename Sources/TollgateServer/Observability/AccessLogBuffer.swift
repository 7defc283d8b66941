import NIOCore

/// One event loop's access-log lines, gathered in a buffer the loop alone
/// touches and handed whole to the `AccessLogWriter` when it reaches
/// `flushBytes`, or `flushInterval` after its first line — so a request costs
/// a few buffer writes, and the writer's lock is taken once per chunk.
final class AccessLogBuffer {
    static let flushBytes = 32 << 10
    static let flushInterval = TimeAmount.milliseconds(100)

    private let writer: AccessLogWriter
    private let eventLoop: EventLoop
    private var buffer: ByteBuffer
    private var lines = 0
    private var flushTimer: Scheduled<Void>?

    init(writer: AccessLogWriter, eventLoop: EventLoop) {
        self.writer = writer
        self.eventLoop = eventLoop
        buffer = Self.makeBuffer()
    }

    /// Adds one line, written by `writeLine` into the buffer.
    func append(_ writeLine: (inout ByteBuffer) -> Void) {
        writeLine(&buffer)
        lines += 1
        if buffer.readableBytes >= Self.flushBytes {
            flush()
        } else if flushTimer == nil {
            flushTimer = eventLoop.assumeIsolated().scheduleTask(in: Self.flushInterval) { [weak self] in
                self?.flushTimer = nil
                self?.flush()
            }
        }
    }

    /// Hands the lines gathered so far to the writer.
    func flush() {
        flushTimer?.cancel()
        flushTimer = nil
        guard lines > 0 else { return }
        writer.enqueue(buffer, lines: lines)
        buffer = Self.makeBuffer()
        lines = 0
    }

    private static func makeBuffer() -> ByteBuffer {
        ByteBufferAllocator().buffer(capacity: flushBytes + 4096)
    }
}

@available(*, unavailable, message: "an AccessLogBuffer belongs to one event loop")
extension AccessLogBuffer: Sendable {}
