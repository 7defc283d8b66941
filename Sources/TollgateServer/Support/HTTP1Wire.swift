import NIOCore
import NIOHTTP1

/// Bytes of HTTP/1.1's wire format that both directions write: field
/// sections and the chunked coding (RFC 9112 §5, §7.1), shared by the
/// responses to clients (`HTTP1ResponseWriter`) and the requests to
/// upstreams (`UpstreamRequestEncoder`).
enum HTTP1Wire {
    /// Each field as `name: value` CRLF, then the empty line that ends the section.
    static func writeFields(_ fields: HTTPHeaders, into buffer: inout ByteBuffer) {
        var size = 2
        for (name, value) in fields { size += fieldSize(name: name, value: value) }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            var at = 0
            for (name, value) in fields { at = writeField(name: name, value: value, into: out, at: at) }
            return writeCRLF(into: out, at: at)
        }
    }

    /// The bytes `name: value` CRLF takes.
    @inline(__always)
    static func fieldSize(name: String, value: String) -> Int {
        name.utf8.count + value.utf8.count + 4
    }

    /// Copies `name: value` CRLF into `out` at `at` (room for `fieldSize` bytes
    /// left there); returns where it ends. Writers reserve a whole field section
    /// and fill it with this: four `ByteBuffer` writes a field cost a capacity
    /// check and a dynamic exclusivity check each, 2% of the proxy's CPU under
    /// (b)'s load (perf, session 8: `_setBytesAssumingUniqueBufferAccess`,
    /// `swift_beginAccess` and the thread-local lookup it makes).
    @inline(__always)
    static func writeField(name: String, value: String, into out: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        var at = copy(name, into: out, at: start)
        out[at] = UInt8(ascii: ":")
        out[at + 1] = UInt8(ascii: " ")
        at = copy(value, into: out, at: at + 2)
        return writeCRLF(into: out, at: at)
    }

    /// CR LF at `at`; returns where they end.
    @inline(__always)
    static func writeCRLF(into out: UnsafeMutableRawBufferPointer, at: Int) -> Int {
        out[at] = UInt8(ascii: "\r")
        out[at + 1] = UInt8(ascii: "\n")
        return at + 2
    }

    private static func copy(_ string: String, into out: UnsafeMutableRawBufferPointer, at: Int) -> Int {
        let copied = string.utf8.withContiguousStorageIfAvailable { bytes in
            UnsafeMutableRawBufferPointer(rebasing: out[at..<(at + bytes.count)]).copyMemory(from: UnsafeRawBufferPointer(bytes))
            return at + bytes.count
        }
        if let copied { return copied }
        var end = at
        for byte in string.utf8 {
            out[end] = byte
            end += 1
        }
        return end
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
