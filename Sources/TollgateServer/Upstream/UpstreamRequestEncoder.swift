import NIOCore
import NIOHTTP1

/// Serializes the request parts the proxy sends on an upstream connection
/// into bytes, in place of NIO's `HTTPRequestEncoder`.
///
/// The head goes out as written: the proxy built its framing
/// (`ForwardedRequest`), so nothing is added or removed here. A head with
/// `Transfer-Encoding` (only ever `chunked`) frames its body in chunks and
/// ends it with the last chunk and trailers; any other head's body is sent
/// as it is, and the proxy sends no more of it than the head's
/// `Content-Length` frames.
struct UpstreamRequestEncoder {
    /// The request being written frames its body in chunks.
    private(set) var isChunked = false

    /// The request line, fields and empty line in one buffer of the right size.
    mutating func encode(_ head: HTTPRequestHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        isChunked = head.headers.contains(name: "transfer-encoding")
        let method = head.method.rawValue
        var size = method.utf8.count + head.uri.utf8.count + 13
        for (name, value) in head.headers { size += name.utf8.count + value.utf8.count + 4 }
        var buffer = allocator.buffer(capacity: size)
        buffer.writeString(method)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.uri)
        if head.version == .http1_1 {
            buffer.writeStaticString(" HTTP/1.1\r\n")
        } else {
            buffer.writeString(" HTTP/\(head.version.major).\(head.version.minor)\r\n")
        }
        HTTP1Wire.writeFields(head.headers, into: &buffer)
        return buffer
    }

    /// The end of a chunked body: the last chunk, the trailers and the empty line; nil for any other body.
    func encodeEnd(_ trailers: HTTPHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer? {
        isChunked ? HTTP1Wire.lastChunk(trailers: trailers, allocator: allocator) : nil
    }
}
