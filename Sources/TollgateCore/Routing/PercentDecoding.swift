/// RFC 3986 percent-decoding over raw bytes, shared by `PathGuard` (which
/// rejects what decodes to something unsafe) and `RouteTable` (which compares
/// path segments by what they decode to, so `/%61dmin` is matched as `/admin`
/// and cannot slip past a route guarding `/admin` into a broader one).
enum PercentDecoding {
    /// The value of one hexadecimal digit, either case.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// The decoded form of a pattern's literal segment.
    static func decode(_ text: some StringProtocol) -> [UInt8] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var iterator = PercentDecodedBytes(buffer, bytes.indices)
            var decoded: [UInt8] = []
            decoded.reserveCapacity(bytes.count)
            while let byte = iterator.next() { decoded.append(byte) }
            return decoded
        }
    }
}

/// The bytes of `range` with each well-formed `%XX` turned into its byte; a `%`
/// not followed by two hex digits stays as it is. Walks the buffer in place.
struct PercentDecodedBytes: IteratorProtocol {
    private let base: UnsafeBufferPointer<UInt8>
    private var position: Int
    private let end: Int

    @inline(__always)
    init(_ base: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self.base = base
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    @inline(__always)
    mutating func next() -> UInt8? {
        guard position < end else { return nil }
        let byte = base[position]
        if byte == UInt8(ascii: "%"), position + 2 < end,
           let high = PercentDecoding.hexValue(base[position + 1]),
           let low = PercentDecoding.hexValue(base[position + 2]) {
            position += 3
            return high << 4 | low
        }
        position += 1
        return byte
    }
}
