import NIOCore
import NIOHTTP1
@testable import TollgateServer

/// libFuzzer entry point for the client side's HTTP/1.1 request parser
/// (`HTTP1RequestParser`): the input is the bytes a client sends, fed in two
/// reads split where its first byte says. Whatever it parses, written out
/// again (the head's fields as parsed, a chunked body as one chunk per part)
/// and parsed once more, must give the same parts, and the same whole or
/// split.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % bytes.count
    let first = RequestParts(reads: [Array(bytes[..<cut]), Array(bytes[cut...])])
    let whole = RequestParts(reads: [bytes])
    guard first.parts == whole.parts, first.refused == whole.refused else {
        fatalError("split at \(cut), other parts: \(bytes)")
    }
    // Written out, a field gains the space after its colon: a larger bound.
    let again = RequestParts(reads: [first.serialized], maxHeadBytes: 3 * 4096)
    guard again.parts == first.parts, !again.refused else {
        fatalError("parts written out parse differently: \(first.parts) → \(again.parts), refused \(again.refused): \(bytes)")
    }
    return 0
}

/// The parts parsed from some reads, with adjacent body parts joined, and the bytes that write them out again.
struct RequestParts {
    enum Part: Equatable {
        case head(method: String, uri: String, minor: Int, fields: [String])
        case body([UInt8])
        case end(trailers: [String]?)
    }

    var parts: [Part] = []
    var refused = false
    var serialized: [UInt8] = []

    init(reads: [[UInt8]], maxHeadBytes: Int = 4096) {
        var parser = HTTP1RequestParser(maxHeadBytes: maxHeadBytes)
        var chunked = false
        do {
            for read in reads {
                parser.receive(ByteBuffer(bytes: read))
                while let part = try parser.next() { add(part, chunked: &chunked) }
            }
        } catch {
            refused = true
        }
    }

    private mutating func add(_ part: HTTPServerRequestPart, chunked: inout Bool) {
        switch part {
        case .head(let head):
            // NIO names M-SEARCH `.MSEARCH`, whose raw value lost the hyphen.
            let method = head.method == .MSEARCH ? "M-SEARCH" : head.method.rawValue
            let fields = head.headers.map { "\($0.name): \($0.value)" }
            chunked = head.headers.contains { $0.name.lowercased() == "transfer-encoding" }
            parts.append(.head(method: method, uri: head.uri, minor: head.version.minor, fields: fields))
            serialized += Array("\(method) \(head.uri) HTTP/1.\(head.version.minor)\r\n".utf8)
            for field in fields { serialized += Array("\(field)\r\n".utf8) }
            serialized += Array("\r\n".utf8)
        case .body(let buffer):
            let bytes = Array(buffer.readableBytesView)
            if case .body(let earlier)? = parts.last {
                parts[parts.count - 1] = .body(earlier + bytes)
            } else {
                parts.append(.body(bytes))
            }
            serialized += chunked ? Array("\(String(bytes.count, radix: 16))\r\n".utf8) + bytes + Array("\r\n".utf8) : bytes
        case .end(let trailers):
            let fields = trailers.map { $0.map { "\($0.name): \($0.value)" } }
            parts.append(.end(trailers: fields))
            if chunked {
                serialized += Array("0\r\n".utf8)
                for field in fields ?? [] { serialized += Array("\(field)\r\n".utf8) }
                serialized += Array("\r\n".utf8)
            }
        }
    }
}
