/// Frames HTTP/1.1 requests byte by byte under RFC 9112's grammar, with none
/// of the leniencies a real server might have: CRLF line endings only,
/// `token` field names with the colon right after them, values free of
/// CR, LF and NUL, no obs-fold, at most one `Content-Length` (digits only) or
/// a `Transfer-Encoding` of exactly `chunked` (never both), and chunked
/// framing with hexadecimal sizes and CRLF everywhere.
///
/// It is the test's own second opinion on what the gateway sent upstream:
/// the bytes must split into whole requests with nothing left over, so a
/// request hidden in another's framing, or framing two parsers could read
/// differently, fails here even where llhttp would accept it.
enum StrictRequestFraming {
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        /// The bytes stop before the request does: what a closed connection
        /// leaves of a request cut off mid-way, not a framing fault.
        var endsEarly = false
        var description: String { "at byte \(offset): \(reason)" }
    }

    /// A connection's requests, and the start of a request cut off by the end of its bytes.
    struct Framing {
        var requests: [Framed]
        var cutOff: ArraySlice<UInt8>?
    }

    /// One request and how many bytes it took.
    struct Framed {
        var request: UpstreamTranscript.Request
        var byteCount: Int
    }

    static func requests(in bytes: [UInt8]) throws(Failure) -> Framing {
        var reader = Reader(bytes: bytes)
        var framed: [Framed] = []
        while !reader.atEnd {
            let start = reader.offset
            do {
                let request = try reader.request()
                framed.append(Framed(request: request, byteCount: reader.offset - start))
            } catch where error.endsEarly {
                return Framing(requests: framed, cutOff: bytes[start...])
            }
        }
        return Framing(requests: framed, cutOff: nil)
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        func fail(_ reason: String) -> Failure {
            Failure(offset: offset, reason: reason)
        }

        /// One CRLF-terminated line, without its CRLF; a bare CR or LF, or a NUL, fails.
        mutating func line() throws(Failure) -> ArraySlice<UInt8> {
            let start = offset
            while offset < bytes.count {
                switch bytes[offset] {
                case 13:
                    guard offset + 1 < bytes.count, bytes[offset + 1] == 10 else { throw fail("a CR not followed by LF") }
                    let line = bytes[start..<offset]
                    offset += 2
                    return line
                case 10:
                    throw fail("a bare LF")
                case 0:
                    throw fail("a NUL")
                default:
                    offset += 1
                }
            }
            throw Failure(offset: offset, reason: "the bytes end inside a line", endsEarly: true)
        }

        mutating func request() throws(Failure) -> UpstreamTranscript.Request {
            let requestLine = try line()
            let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenByte),
                  !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 32 && $0 < 127 }),
                  Array(parts[2]) == Array("HTTP/1.1".utf8)
            else { throw fail("a request line that is not `METHOD SP target SP HTTP/1.1`: \(String(decoding: requestLine, as: UTF8.self))") }
            var contentLength: Int?
            var chunked = false
            var hosts = 0
            while true {
                let field = try line()
                if field.isEmpty { break }
                guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                      field[..<colon].allSatisfy(Self.isTokenByte)
                else { throw fail("a field line without a token name right before its colon: \(String(decoding: field, as: UTF8.self))") }
                guard field.first != 32, field.first != 9 else { throw fail("obs-fold") }
                let name = String(decoding: field[..<colon], as: UTF8.self).lowercased()
                let value = String(decoding: field[(colon + 1)...], as: UTF8.self).trimmingHTTPSpace()
                switch name {
                case "content-length":
                    guard contentLength == nil else { throw fail("two Content-Length fields") }
                    guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(value) else {
                        throw fail("Content-Length \(value)")
                    }
                    contentLength = length
                case "transfer-encoding":
                    guard !chunked, value.lowercased() == "chunked" else { throw fail("Transfer-Encoding \(value)") }
                    chunked = true
                case "host":
                    hosts += 1
                default:
                    break
                }
            }
            guard !(chunked && contentLength != nil) else { throw fail("both Content-Length and Transfer-Encoding") }
            guard hosts == 1 else { throw fail("\(hosts) Host fields") }
            let bodyBytes = chunked ? try chunkedBody() : try fixedBody(contentLength ?? 0)
            return .init(method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self), bodyBytes: bodyBytes)
        }

        mutating func fixedBody(_ length: Int) throws(Failure) -> Int {
            guard bytes.count - offset >= length else {
                throw Failure(offset: offset, reason: "a body of \(length) bytes, \(bytes.count - offset) left", endsEarly: true)
            }
            offset += length
            return length
        }

        mutating func chunkedBody() throws(Failure) -> Int {
            var total = 0
            while true {
                let sizeLine = try line()
                let sizeDigits = sizeLine.prefix { $0 != UInt8(ascii: ";") }
                guard !sizeDigits.isEmpty, sizeDigits.count <= 15,
                      let size = Int(String(decoding: sizeDigits, as: UTF8.self), radix: 16),
                      sizeDigits.allSatisfy({ Self.hexValue($0) != nil })
                else { throw fail("a chunk size line \(String(decoding: sizeLine, as: UTF8.self))") }
                if size == 0 {
                    while try !line().isEmpty {}
                    return total
                }
                total += try fixedBody(size)
                guard try line().isEmpty else { throw fail("chunk data longer than its size") }
            }
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }

        static func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }
}

private extension String {
    /// Without leading and trailing SP and HTAB (RFC 9110's OWS).
    func trimmingHTTPSpace() -> String {
        let utf8 = Array(self.utf8)
        let start = utf8.firstIndex { $0 != 32 && $0 != 9 } ?? utf8.endIndex
        let end = utf8.lastIndex { $0 != 32 && $0 != 9 }.map { $0 + 1 } ?? start
        return String(decoding: utf8[start..<max(start, end)], as: UTF8.self)
    }
}
