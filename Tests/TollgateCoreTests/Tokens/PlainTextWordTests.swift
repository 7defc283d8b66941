import Testing
@testable import TollgateCore

/// `ScannedJSONObject.hasNonPlainByte` tests eight bytes of a string value at
/// once; it must say exactly what testing each byte would (DEL, non-ASCII or a
/// backslash), whatever the byte, wherever it sits, whatever its neighbours.
@Suite struct PlainTextWordTests {
    private static func bytewise(_ word: UInt64) -> Bool {
        (0..<8).contains { shift in
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(shift)))
            return byte >= 0x7F || byte == UInt8(ascii: "\\")
        }
    }

    private static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    @Test func everyByteAtEveryPositionAmongPlainNeighbours() {
        for fill in [UInt8(ascii: "a"), 0x20, 0x7E, 0x5B, 0x5D] {
            for position in 0..<8 {
                for value in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: fill, count: 8)
                    bytes[position] = value
                    let word = Self.word(bytes)
                    #expect(ScannedJSONObject.hasNonPlainByte(word) == Self.bytewise(word), "byte \(value) at \(position) among \(fill)")
                }
            }
        }
    }

    /// Carries and borrows between bytes: 0xFF next to 0x7E, a backslash next to
    /// 0x5D or 0x00, and words of pseudo-random bytes.
    @Test func neighbouringBytesDoNotMaskOrInventAFinding() {
        for position in 0..<7 {
            for (low, high) in [(UInt8(0xFF), UInt8(0x7E)), (0x5C, 0x5D), (0x00, 0x5C), (0x5D, 0x5C), (0x7E, 0x7E), (0x5B, 0x5D)] {
                var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 8)
                bytes[position] = low
                bytes[position + 1] = high
                let word = Self.word(bytes)
                #expect(ScannedJSONObject.hasNonPlainByte(word) == Self.bytewise(word), "\(low), \(high) at \(position)")
            }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Mostly printable ASCII, so that a single odd byte is the usual case.
            let word = (state & 0x3F3F_3F3F_3F3F_3F3F) &+ 0x2020_2020_2020_2020 | (state >> 61 == 0 ? 0x80 << ((state >> 8) & 56) : 0)
            #expect(ScannedJSONObject.hasNonPlainByte(word) == Self.bytewise(word), "\(String(word, radix: 16))")
        }
    }
}
