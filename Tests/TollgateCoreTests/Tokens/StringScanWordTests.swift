import Testing
@testable import TollgateCore

/// `JSONCursor.specialStringBytes` flags the bytes of eight that a string scan
/// must stop at (quote, backslash, control, DEL, non-ASCII); the scan ends a string
/// at the lowest flag when it is a quote, so that flag must be the first
/// special byte exactly, and no flag at all must mean no special byte.
@Suite struct StringScanWordTests {
    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x7F
    }

    private static func check(_ bytes: [UInt8], _ comment: Comment) {
        let word = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let flags = JSONCursor.specialStringBytes(word)
        if let first = bytes.firstIndex(where: isSpecial) {
            #expect(flags != 0 && flags.trailingZeroBitCount / 8 == first, comment)
        } else {
            #expect(flags == 0, comment)
        }
    }

    @Test func everyByteAtEveryPosition() {
        for fill in [UInt8(ascii: "a"), 0x20, 0x21, 0x7E, 0x7F, 0x5D, 0x23] {
            for position in 0..<8 {
                for value in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: fill, count: 8)
                    bytes[position] = value
                    Self.check(bytes, "byte \(value) at \(position) among \(fill)")
                }
            }
        }
    }

    /// Two special bytes, the higher one borrowing into its neighbours: the
    /// lowest flag must still be the first of them.
    @Test func theFirstOfSeveralSpecialBytesIsTheLowestFlag() {
        let specials: [UInt8] = [0x00, 0x01, 0x1F, 0x22, 0x5C, 0x7F, 0x80, 0xFF]
        for first in 0..<7 {
            for second in (first + 1)..<8 {
                for a in specials {
                    for b in specials {
                        var bytes = [UInt8](repeating: UInt8(ascii: "#"), count: 8)
                        bytes[first] = a
                        bytes[second] = b
                        Self.check(bytes, "\(a) at \(first), \(b) at \(second)")
                    }
                }
            }
        }
    }

    /// A carry out of 0xFF into a 0x7E above it, and words of pseudo-random
    /// mostly printable bytes, where a single odd byte is the usual case.
    @Test func carriesAndRandomWords() {
        for position in 0..<7 {
            var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 8)
            bytes[position] = 0xFF
            bytes[position + 1] = 0x7E
            Self.check(bytes, "0xFF below 0x7E at \(position)")
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let word = (state & 0x3F3F_3F3F_3F3F_3F3F) &+ 0x2020_2020_2020_2020 | (state >> 61 == 0 ? 0x80 << ((state >> 8) & 56) : 0)
            Self.check((0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) }, "\(String(word, radix: 16))")
        }
    }
}
