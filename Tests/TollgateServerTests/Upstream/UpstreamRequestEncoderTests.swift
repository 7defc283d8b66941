import NIOCore
import NIOHTTP1
import Testing
@testable import TollgateServer

/// `UpstreamRequestEncoder` writes heads as given and frames chunked bodies
/// as NIO's `HTTPRequestEncoder` did.
@Suite("Upstream request encoder")
struct UpstreamRequestEncoderTests {
    let allocator = ByteBufferAllocator()

    @Test("a head is the request line, the fields as given, and the empty line")
    func head() {
        var encoder = UpstreamRequestEncoder()
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/a?b=c", headers: [
            "Host": "api.test", "content-length": "5", "X-Ünïcode": "välue",
        ])
        let bytes = encoder.encode(head, allocator: allocator)
        #expect(String(buffer: bytes) == "POST /a?b=c HTTP/1.1\r\nHost: api.test\r\ncontent-length: 5\r\nX-Ünïcode: välue\r\n\r\n")
        #expect(!encoder.isChunked)
        #expect(encoder.encodeEnd(nil, allocator: allocator) == nil, "a Content-Length body has no end marker")
    }

    @Test("a custom method and HTTP/1.0 are written as they are")
    func customMethodAndVersion() {
        var encoder = UpstreamRequestEncoder()
        let head = HTTPRequestHead(version: .http1_0, method: .RAW(value: "PURGE"), uri: "/x", headers: [:])
        #expect(String(buffer: encoder.encode(head, allocator: allocator)) == "PURGE /x HTTP/1.0\r\n\r\n")
    }

    @Test("chunk size lines are lowercase hex without leading zeros", arguments: [
        (1, "1"), (9, "9"), (10, "a"), (15, "f"), (16, "10"), (255, "ff"), (256, "100"), (4096, "1000"),
        (65535, "ffff"), (1 << 20, "100000"), (Int(UInt32.max), "ffffffff"), (Int.max, "7fffffffffffffff"),
    ])
    func chunkSizeLine(size: Int, hex: String) {
        #expect(String(buffer: HTTP1Wire.chunkSizeLine(size, allocator: allocator)) == hex + "\r\n")
    }

    @Test("a chunked head ends with the last chunk, the trailers and the empty line")
    func chunkedEnd() {
        var encoder = UpstreamRequestEncoder()
        _ = encoder.encode(HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/", headers: ["transfer-encoding": "chunked"]), allocator: allocator)
        #expect(encoder.isChunked)
        #expect(encoder.encodeEnd(nil, allocator: allocator).map { String(buffer: $0) } == "0\r\n\r\n")
        #expect(encoder.encodeEnd(["X-Sum": "1", "X-Other": "two"], allocator: allocator).map { String(buffer: $0) } == "0\r\nX-Sum: 1\r\nX-Other: two\r\n\r\n")
        _ = encoder.encode(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: [:]), allocator: allocator)
        #expect(!encoder.isChunked, "the next request's framing is its own")
    }
}
