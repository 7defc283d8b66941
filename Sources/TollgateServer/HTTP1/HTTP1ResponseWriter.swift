import NIOCore
import NIOHTTP1

/// Serializes the gateway's responses to an HTTP/1.x client as bytes, in place
/// of NIO's `HTTPResponseEncoder`, with the same bytes on the wire: the status
/// line with NIO's reason phrases, the fields framed as NIO frames them with
/// `automaticallySetFramingHeaders` on, chunked body parts, the chunked end.
///
/// Why: per response the encoder copied the fields to strip framing fields
/// (`HTTPHeaders.remove`, one allocation even when nothing matches) and cost
/// a pipeline hop and an unwrap per part. Here the head is written straight
/// into one buffer sized up front (its two allocations, storage and bytes,
/// remain, as in the encoder), and the parts go out as `IOData`.
/// Measured (`benchmarks/README.md`, "Responses written by the gateway
/// (session 7)"): 21.1 → 20.1 mallocs per request, and 1.2–1.3 µs of proxy CPU
/// per request by the medians of three A/B rounds (2–3%, about this
/// machine's round-to-round noise).
///
/// Framing (NIO's `correctlyFrameTransportHeaders`): a 1xx, 204 or 304
/// response, or one to `CONNECT`, carries neither `Content-Length` nor
/// `Transfer-Encoding`; with a `Content-Length`, `Transfer-Encoding` is
/// dropped; otherwise an HTTP/1.1 response gets `transfer-encoding: chunked`
/// (every other `Transfer-Encoding` field removed, this one last) and an
/// HTTP/1.0 one neither (it ends with the connection). A response to `HEAD`
/// or `CONNECT` keeps the head's framing but carries no body: body parts
/// given for it are dropped (the handler never gives any; NIO failed such
/// writes), and its end writes nothing. A 1xx other than 101 leaves the
/// state of the final response untouched.
struct HTTP1ResponseWriter {
    /// The current response's body parts are chunk-framed.
    private var chunked = false
    /// The current response answers `HEAD` or `CONNECT`: no body bytes.
    private var bodyless = false

    /// The bytes of `head`, the response to a request with `method`.
    mutating func head(_ head: HTTPResponseHead, respondingTo method: HTTPMethod, allocator: ByteBufferAllocator) -> ByteBuffer {
        let code = head.status.code
        let informational = (100..<200).contains(code) && code != 101
        if !informational {
            bodyless = method == .HEAD || method == .CONNECT
        }
        let mayHaveBody = method != .CONNECT && head.status.mayHaveResponseBody
        var hasLength = false
        var fieldBytes = 0
        for field in head.headers {
            fieldBytes += HTTP1Wire.fieldSize(name: field.name, value: field.value)
            if !hasLength, ASCIICase.equal(field.name, "content-length") { hasLength = true }
        }
        let http11 = head.version.major == 1 && head.version.minor >= 1
        // What happens to the upstream's framing fields.
        let dropLength = !mayHaveBody
        let dropTransferEncoding = !mayHaveBody || hasLength || http11
        let addChunked = mayHaveBody && !hasLength && http11
        chunked = addChunked && !bodyless

        let reason = head.status.reasonPhrase
        var buffer = allocator.buffer(capacity: 16 + reason.utf8.count + fieldBytes + 2 + (addChunked ? 28 : 0))
        Self.writeStatusLine(version: head.version, code: code, reason: reason, into: &buffer)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: fieldBytes) { out in
            var at = 0
            for field in head.headers {
                if dropLength || dropTransferEncoding {
                    if dropLength, ASCIICase.equal(field.name, "content-length") { continue }
                    if dropTransferEncoding, ASCIICase.equal(field.name, "transfer-encoding") { continue }
                }
                at = HTTP1Wire.writeField(name: field.name, value: field.value, into: out, at: at)
            }
            return at
        }
        if addChunked { buffer.writeStaticString("transfer-encoding: chunked\r\n") }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// Writes one body part through `write`: as it is, chunk-framed (size line,
    /// the part, CRLF: three writes, no copy of the part, as NIO does), or not
    /// at all for an empty chunked part (it would end the body) or a bodyless
    /// response.
    func body(_ part: IOData, allocator: ByteBufferAllocator, write: (IOData) -> Void) {
        guard !bodyless else { return }
        let length = part.readableBytes
        guard chunked else { return write(part) }
        guard length > 0 else { return }
        var frame = HTTP1Wire.chunkSizeLine(length, allocator: allocator)
        write(.byteBuffer(frame))
        write(part)
        frame.moveReaderIndex(forwardBy: frame.readableBytes - 2)
        write(.byteBuffer(frame))
    }

    /// The bytes that end the response (the last chunk and the trailers), or
    /// nil when its framing needs none. The writer is then ready for the next response.
    mutating func end(trailers: HTTPHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer? {
        defer {
            chunked = false
            bodyless = false
        }
        guard chunked else { return nil }
        return HTTP1Wire.lastChunk(trailers: trailers, allocator: allocator)
    }

    /// `HTTP/1.1 200 OK\r\n`: NIO's reason phrase for a known code, the given one for another.
    private static func writeStatusLine(version: HTTPVersion, code: UInt, reason: String, into buffer: inout ByteBuffer) {
        switch (version.major, version.minor) {
        case (1, 1): buffer.writeStaticString("HTTP/1.1 ")
        case (1, 0): buffer.writeStaticString("HTTP/1.0 ")
        default: buffer.writeString("HTTP/\(version.major).\(version.minor) ")
        }
        if (100...999).contains(code) {
            buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(code / 100))
            buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(code / 10 % 10))
            buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(code % 10))
        } else {
            buffer.writeString(String(code))
        }
        buffer.writeStaticString(" ")
        buffer.writeString(reason)
        buffer.writeStaticString("\r\n")
    }
}
