import NIOCore

/// The sizes of a client connection's reads: NIO's
/// `AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65536)`
/// policy (double after a read that fills the buffer, halve after two reads
/// that use at most half of it), kept in 8 bytes instead of 33. NIO holds a
/// channel's allocator as `any RecvByteBufferAllocator`, and its adaptive
/// one is too large for the existential's inline storage (3 words): it lives
/// in a box, shared until a channel's first read records its size and makes
/// the box its own, 49 B of heap per connection (heaptrack, 2,000 idle
/// connections). This one fits inline and costs nothing per connection.
///
/// The first size is what an idle keep-alive connection keeps: NIO holds each
/// channel's last receive buffer for the channel's life at the largest size
/// it has needed (`NIOPooledRecvBufferAllocator` never drops its last buffer,
/// whatever `maxMessagesPerRead` is). 1 KiB (NIO's default: 2 KiB) holds a
/// request head with a bearer token (the harness's is 0.8 KiB); a larger one
/// takes a second read. nginx starts the same way
/// (`client_header_buffer_size 1k`).
struct ClientReceiveBufferAllocator: RecvByteBufferAllocator {
    static let minimum: UInt32 = 64
    static let initial: UInt32 = 1024
    static let maximum: UInt32 = 65536

    private var size = Self.initial
    /// The previous read used at most half of `size`: one more such read halves it.
    private var decreaseNow = false

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(capacity: Int(size))
    }

    func nextBufferSize() -> Int? {
        Int(size)
    }

    mutating func record(actualReadBytes: Int) -> Bool {
        let lower = size &>> 1
        let upper = size &<< 1
        if actualReadBytes <= Int(lower), lower >= Self.minimum {
            if decreaseNow {
                size = lower
                decreaseNow = false
            } else {
                decreaseNow = true
            }
            return false
        }
        decreaseNow = false
        if actualReadBytes >= Int(size), upper <= Self.maximum {
            size = upper
            return true
        }
        return false
    }
}
