import Testing
@testable import TollgateServer

/// `ASCIICase.equal` compares header names byte by byte over contiguous
/// storage; a plain lowercased comparison of ASCII names is the reference.
@Suite("Header names compared without case, ASCII only")
struct ASCIICaseTests {
    @Test("names that differ only in ASCII case are equal; any other difference is not")
    func cases() {
        #expect(ASCIICase.equal("Content-Length", "content-length"))
        #expect(ASCIICase.equal("HOST", "host"))
        #expect(ASCIICase.equal("", ""))
        #expect(!ASCIICase.equal("host", "hosts"))
        #expect(!ASCIICase.equal("host", "hosu"))
        #expect(!ASCIICase.equal("x-host", "host"))
        // Only A–Z fold: '@' (0x40) and '`' (0x60), '[' (0x5B) and '{' (0x7B) differ by the case bit but are not letters.
        #expect(!ASCIICase.equal("@", "`"))
        #expect(!ASCIICase.equal("[", "{"))
        // A non-ASCII byte never folds: 'É' is not 'é', and neither is the Kelvin sign 'k'.
        #expect(!ASCIICase.equal("É", "é"))
        #expect(!ASCIICase.equal("\u{212A}", "k"))
        #expect(ASCIICase.equal("caf\u{E9}", "CAF\u{E9}"))
    }

    @Test("a substring compares as its own bytes, not its base string's")
    func substrings() {
        let list = "gzip, Chunked, identity"
        let elements = list.split(separator: ",").map { $0.trimmingHTTPWhitespace() }
        #expect(ASCIICase.equal(elements[1], "chunked"))
        #expect(!ASCIICase.equal(elements[0], "chunked"))
        #expect(ASCIICase.equal(elements[2], "IDENTITY"))
    }

    @Test("3,000 random pairs of ASCII names agree with comparing lowercased copies")
    func randomPairs() {
        var random = SplitMix64(seed: 0xA5C11)
        let alphabet = Array("aAbBhHoOsStT-_@`[{09".utf8)
        for _ in 0..<3_000 {
            let a = String(decoding: (0..<Int(random.next() % 6)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }, as: UTF8.self)
            var bytes = Array(a.utf8)
            if !bytes.isEmpty, random.next() % 2 == 0 {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            let b = String(decoding: bytes, as: UTF8.self)
            #expect(ASCIICase.equal(a, b) == (a.lowercased() == b.lowercased()), "\(a) vs \(b)")
        }
    }
}
