import Testing
import TollgateCore

@Suite struct Base64URLTests {
    /// RFC 4648 §10, in the URL-safe alphabet without padding.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test func encodesAndDecodesTheRFC4648Vectors() {
        for (plain, encoded) in Self.vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func usesTheURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func roundTripsEveryLengthAndByte() {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        let all = (0...255).map(UInt8.init)
        #expect(Base64URL.decode(Base64URL.encode(all)) == all)
    }

    @Test(arguments: [
        "Zg==", "Zm8=", "Zg=", // padding
        "Zm9vY", "A", // length 4n+1
        "Zm+v", "Zm/v", "Zm9v\n", " Zm9v", "Zm.v", "Zm9v\u{0}", "Zé9v", // outside the alphabet
        "Zh", "Zm9", "Zm9vYh", "AB", // non-zero unused trailing bits
    ])
    func rejectsNonCanonicalText(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    /// The decoder takes two groups of four a step where it can, then one: a
    /// character outside the alphabet is refused at every offset of either
    /// loop, and every length decodes into exactly its own room.
    @Test func refusesAStrayCharacterAtEveryOffset() {
        for length in [8, 16, 22, 23, 24, 31, 40, 43] {
            let text = Array(Base64URL.encode((0..<(length * 3 / 4)).map { UInt8(truncatingIfNeeded: $0 &* 41 &+ 3) }).utf8)
            #expect(Base64URL.decode(String(decoding: text, as: UTF8.self)) != nil, "length \(text.count)")
            for offset in text.indices {
                for stray in [UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "."), 0x00, 0x80, 0xFF] {
                    var spoilt = text
                    spoilt[offset] = stray
                    let decoded = spoilt.withUnsafeBufferPointer { Base64URL.decode($0) }
                    #expect(decoded == nil, "\(stray) at \(offset) of \(text.count)")
                }
            }
        }
    }

    @Test func acceptsOnlyTheCanonicalSpellingOfTrailingBits() {
        // "Zg" is the only spelling of "f": "Zh".."Zv" differ only in unused bits.
        let spellings = "ghijklmnopqrstuv".map { "Z\($0)" }
        #expect(spellings.filter { Base64URL.decode($0) != nil } == ["Zg"])
    }
}
