import NIOCore
import NIOHTTP1

/// Bytes of HTTP/1.1's wire format that both directions write: field
/// sections and the chunked coding (RFC 9112 §5, §7.1), shared by the
/// responses to clients (`HTTP1ResponseWriter`) and the requests to
/// upstreams (`UpstreamRequestEncoder`).
enum HTTP1Wire {
    /// Each field as `name: value` CRLF, then the empty line that ends the section.
    static func writeFields(_ fields: HTTPHeaders, into buffer: inout ByteBuffer) {
        for (name, value) in fields {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// A chunk's size line for a part of `size` bytes (> 0): lowercase hex digits, then CRLF.
    static func chunkSizeLine(_ size: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 18)
        var shift = (Int.bitWidth - size.leadingZeroBitCount + 3) / 4 * 4
        repeat {
            shift -= 4
            buffer.writeInteger(hexDigits[(size >> shift) & 0xF])
        } while shift > 0
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The end of a chunked body: the last chunk, the trailers and the empty line.
    static func lastChunk(trailers: HTTPHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let trailers, !trailers.isEmpty else { return allocator.buffer(staticString: "0\r\n\r\n") }
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeStaticString("0\r\n")
        writeFields(trailers, into: &buffer)
        return buffer
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
