/// Eight bytes of a head at a time: the tests the HTTP/1.1 parsers run on
/// every byte of a field section, done on a whole 64-bit word so that a long
/// value (a bearer token is 700–1,000 bytes) is crossed in an eighth of the
/// steps. Each test only says whether a word holds such a byte; the parsers
/// then look at that word byte by byte, so a false "maybe" costs time, never
/// a wrong answer. (Bit tricks after "Bit Twiddling Hacks", "Determine if a
/// word has a byte less than n".)
enum ByteWord {
    static let width = 8
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes of `raw` from `offset` (which must leave eight).
    @inline(__always)
    static func load(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    /// Whether some byte of `word` is below `bound` (at most 128).
    @inline(__always)
    static func hasByte(_ word: UInt64, below bound: UInt8) -> Bool {
        (word &- ones &* UInt64(bound)) & ~word & highBits != 0
    }

    /// Whether some byte of `word` is `byte`.
    @inline(__always)
    static func hasByte(_ word: UInt64, equalTo byte: UInt8) -> Bool {
        hasByte(word ^ (ones &* UInt64(byte)), below: 1)
    }

    /// Whether every byte of `word` is VCHAR, obs-text or SP: nothing below
    /// 0x20 (not even HTAB, which the caller checks byte by byte) and no DEL.
    @inline(__always)
    static func isPlainFieldText(_ word: UInt64) -> Bool {
        !hasByte(word, below: 0x20) && !hasByte(word, equalTo: 0x7F)
    }
}
