import NIOCore
import Testing
@testable import TollgateServer

/// `ClientReceiveBufferAllocator` sizes reads exactly as NIO's adaptive
/// allocator with the same bounds does.
@Suite("Client receive buffer sizes")
struct ClientReceiveBufferAllocatorTests {
    @Test("same sizes and growth signals as AdaptiveRecvByteBufferAllocator(64, 1024, 65536) over 20,000 reads")
    func matchesNIOsAdaptiveAllocator() {
        var ours = ClientReceiveBufferAllocator()
        var nios = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65536)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var mismatches: [String] = []
        var sizes = Set<Int>()
        for step in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let size = ours.nextBufferSize() ?? -1
            sizes.insert(size)
            // Reads that fill the buffer, use half or less of it, or anything up to it (some 0: a read that found nothing).
            let read: Int
            switch state >> 62 {
            case 0: read = size
            case 1: read = size / 2
            default: read = Int((state >> 20) % UInt64(size + 1))
            }
            let theirSize = nios.nextBufferSize() ?? -1
            let grows = ours.record(actualReadBytes: read)
            if size != theirSize || grows != nios.record(actualReadBytes: read) {
                mismatches.append("step \(step): size \(size) vs \(theirSize), read \(read)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
        #expect(sizes.min() == 64 && sizes.max() == 65536)
        #expect(ours.buffer(allocator: ByteBufferAllocator()).capacity >= ours.nextBufferSize() ?? 0)
    }

    @Test("fits a channel's inline storage, so NIO needs no box per connection")
    func fitsInline() {
        #expect(MemoryLayout<ClientReceiveBufferAllocator>.size <= 3 * MemoryLayout<Int>.size)
    }
}
