import NIOCore
import NIOHTTP1
import Testing
@testable import TollgateServer

/// `ByteWord`'s word-at-a-time tests against the byte-at-a-time ones they
/// stand for, and the parsers that use them with each byte they must refuse
/// at every offset of a long value (every position within a word, on both
/// sides of each word boundary).
@Suite("Eight bytes at a time")
struct ByteWordTests {
    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { ByteWord.load($0, at: 0) }
    }

    @Test("each byte value at each position: below-bound, equal-to and plain field text agree with the byte tests")
    func everyByteEveryPosition() {
        for filler: UInt8 in [0x41, 0x20, 0xFF, 0x80] {
            for position in 0..<8 {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = UInt8(value)
                    let word = Self.word(bytes)
                    for bound: UInt8 in [1, 0x0E, 0x20, 0x80] {
                        #expect(ByteWord.hasByte(word, below: bound) == bytes.contains { $0 < bound },
                                "\(bytes) below \(bound)")
                    }
                    #expect(ByteWord.hasByte(word, equalTo: 0x0D) == bytes.contains(0x0D), "\(bytes)")
                    #expect(ByteWord.isPlainFieldText(word) == bytes.allSatisfy { $0 >= 0x20 && $0 != 0x7F },
                            "\(bytes)")
                }
            }
        }
    }

    @Test("random words: the word tests agree with the byte tests")
    func randomWords() {
        var random = SplitMix64(seed: 0x7011_6A7E)
        for _ in 0..<50_000 {
            // Bytes drawn mostly from the interesting low range, so hits are common.
            let bytes = (0..<8).map { _ in
                random.next() % 4 == 0 ? UInt8(truncatingIfNeeded: random.next() % 0x21) : UInt8(truncatingIfNeeded: random.next())
            }
            let word = Self.word(bytes)
            #expect(ByteWord.hasByte(word, below: 0x0E) == bytes.contains { $0 < 0x0E }, "\(bytes)")
            #expect(ByteWord.hasByte(word, equalTo: 0x7F) == bytes.contains(0x7F), "\(bytes)")
            #expect(ByteWord.isPlainFieldText(word) == bytes.allSatisfy { $0 >= 0x20 && $0 != 0x7F }, "\(bytes)")
        }
    }

    /// A request whose Authorization value is 40 bytes with `byte` at `offset`.
    static func request(with byte: UInt8, at offset: Int) -> [UInt8] {
        var value = Array("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0".utf8.prefix(40))
        value[offset] = byte
        return Array("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: ".utf8) + value + Array("\r\n\r\n".utf8)
    }

    static func parse(_ bytes: [UInt8]) -> (head: HTTPRequestHead?, error: HTTP1RequestError?) {
        var parser = HTTP1RequestParser(maxHeadBytes: 1024)
        parser.receive(ByteBuffer(bytes: bytes))
        do {
            guard case .head(let head) = try parser.next() else { return (nil, nil) }
            return (head, nil)
        } catch {
            return (nil, error)
        }
    }

    @Test("the request parser refuses NUL, a lone CR, a bare LF, DEL and other controls at every offset of a long value")
    func requestParserRefusesAtEveryOffset() {
        let refused: [(UInt8, String)] = [
            (0x00, "a NUL byte"), (0x0D, "a CR not followed by LF"), (0x0A, "a line of the request head ends in a bare LF"),
            (0x7F, "a control character"), (0x01, "a control character"), (0x1F, "a control character"),
            (0x0B, "a control character"),
        ]
        for offset in 8..<40 {
            for (byte, reason) in refused {
                let (head, error) = Self.parse(Self.request(with: byte, at: offset))
                #expect(head == nil, "byte \(byte) at \(offset) accepted")
                #expect(error?.reason.contains(reason) == true, "byte \(byte) at \(offset): \(error?.reason ?? "accepted")")
            }
        }
    }

    @Test("HTAB, SP and obs-text at every offset of a long value are kept as they are")
    func requestParserKeepsAllowedBytes() throws {
        for offset in 8..<39 {
            for byte: UInt8 in [0x09, 0x20, 0x80, 0xFF, 0x7E] {
                let bytes = Self.request(with: byte, at: offset)
                let (head, error) = Self.parse(bytes)
                #expect(error == nil, "byte \(byte) at \(offset): \(error?.reason ?? "")")
                let value = try #require(head?.headers.first(name: "Authorization"), "byte \(byte) at \(offset)")
                #expect(Array(value.utf8).count >= 39, "byte \(byte) at \(offset)")
                if byte < 0x80 { #expect(Array(value.utf8)[offset] == byte, "byte \(byte) at \(offset)") }
            }
        }
    }

    static func parseResponse(value: [UInt8]) -> (parsed: Bool, reason: String?) {
        let response = Array("HTTP/1.1 200 OK\r\nX-Long: ".utf8) + value + Array("\r\nContent-Length: 0\r\n\r\n".utf8)
        var parser = UpstreamResponseParser()
        parser.requestSent(.other)
        parser.receive(ByteBuffer(bytes: response))
        do {
            return (try parser.next() != nil, nil)
        } catch {
            return (false, error.reason)
        }
    }

    @Test("the response parser refuses a control character or a NUL at every offset of a long value")
    func responseParserRefusesAtEveryOffset() {
        let plain = [UInt8](repeating: UInt8(ascii: "v"), count: 40)
        #expect(Self.parseResponse(value: plain) == (true, nil))
        for offset in 0..<40 {
            for (byte, reason) in [(0x00, "a NUL byte"), (0x01, "a control character"), (0x0B, "a control character"),
                                   (0x7F, "a control character")] as [(UInt8, String)] {
                var value = plain
                value[offset] = byte
                let (parsed, refusal) = Self.parseResponse(value: value)
                #expect(!parsed, "byte \(byte) at \(offset) accepted")
                #expect(refusal?.contains(reason) == true, "byte \(byte) at \(offset): \(refusal ?? "accepted")")
            }
        }
    }
}
