/// Base64url without padding (RFC 4648 §5, as JOSE uses it, RFC 7515 §2),
/// decoded canonically: padding, characters outside the alphabet, a length of
/// 4n+1, and non-zero unused trailing bits are all rejected. A canonical decoder
/// gives every byte string exactly one accepted spelling, so a token cannot be
/// re-spelt (and re-cached, or re-logged) without re-signing.
public enum Base64URL {
    /// Decodes `text`, or returns `nil` when it is not canonical base64url.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var copy = String(text)
        return copy.withUTF8 { decode($0) }
    }

    /// Decodes the bytes of a base64url text, or returns `nil` when they are not canonical.
    public static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let outputCount = decodedCount(input.count) else { return nil }
        var valid = false
        let output = [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            valid = decode(input, into: UnsafeMutableRawBufferPointer(out))
            initialized = valid ? outputCount : 0
        }
        return valid ? output : nil
    }

    /// The length of the bytes a base64url text of `count` characters decodes
    /// to, or `nil` for a length no canonical text has (4n+1).
    static func decodedCount(_ count: Int) -> Int? {
        let remainder = count & 3
        if remainder == 1 { return nil }
        return (count / 4) * 3 + (remainder == 0 ? 0 : remainder - 1)
    }

    /// Decodes `input` into the start of `out`, which must hold at least
    /// `decodedCount(input.count)` bytes; returns whether `input` is canonical
    /// base64url. Bytes of `out` beyond the decoded count may be overwritten.
    ///
    /// Four characters become one word through four tables whose entries are
    /// already shifted into place (an invalid character sets bit 24, checked
    /// once at the end), stored as one 4-byte write while there is room: 0.33
    /// against 0.45 ns per character for a byte table and three byte stores
    /// (a token's payload and RSA-2048 signature, 718 characters, standalone
    /// `-O` loop, session 7).
    static func decode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Bool {
        let count = input.count
        let remainder = count & 3
        guard count > 0 else { return true }
        guard remainder != 1, let source = input.baseAddress, let target = out.baseAddress else { return false }
        let whole = count - remainder
        let room = out.count
        let wordsValid = quadTables.withUnsafeBufferPointer { tables -> Bool in
            guard let table = tables.baseAddress else { return false }
            var i = 0
            var o = 0
            var flags: UInt32 = 0
            // Two groups a step while both 4-byte stores fit, counted up
            // front: the loop's own compares, branches and overflow checks
            // were a quarter of the decode's instructions (3,220 → 2,360 a token
            // of 718 characters, callgrind, session 10).
            let pairs = room < 7 ? 0 : min(whole / 8, (room - 7) / 6 + 1)
            for _ in 0..<pairs {
                let first = table[Int(source[i])] | table[256 &+ Int(source[i &+ 1])]
                    | table[512 &+ Int(source[i &+ 2])] | table[768 &+ Int(source[i &+ 3])]
                let second = table[Int(source[i &+ 4])] | table[256 &+ Int(source[i &+ 5])]
                    | table[512 &+ Int(source[i &+ 6])] | table[768 &+ Int(source[i &+ 7])]
                flags |= first | second
                (target + o).storeBytes(of: first.littleEndian, as: UInt32.self)
                (target + (o &+ 3)).storeBytes(of: second.littleEndian, as: UInt32.self)
                i &+= 8
                o &+= 6
            }
            while i < whole {
                let word = table[Int(source[i])] | table[256 + Int(source[i + 1])]
                    | table[512 + Int(source[i + 2])] | table[768 + Int(source[i + 3])]
                flags |= word
                if o + 4 <= room {
                    (target + o).storeBytes(of: word.littleEndian, as: UInt32.self)
                } else {
                    target.storeBytes(of: UInt8(truncatingIfNeeded: word), toByteOffset: o, as: UInt8.self)
                    target.storeBytes(of: UInt8(truncatingIfNeeded: word >> 8), toByteOffset: o + 1, as: UInt8.self)
                    target.storeBytes(of: UInt8(truncatingIfNeeded: word >> 16), toByteOffset: o + 2, as: UInt8.self)
                }
                i += 4
                o += 3
            }
            return flags & invalidFlag == 0
        }
        guard wordsValid else { return false }
        guard remainder != 0 else { return true }
        return decodeTable.withUnsafeBufferPointer { table in
            let o = (whole / 4) * 3
            if remainder == 2 {
                let a = table[Int(source[whole])], b = table[Int(source[whole + 1])]
                if (a | b) & 0x80 != 0 || b & 0x0F != 0 { return false }
                target.storeBytes(of: a << 2 | b >> 4, toByteOffset: o, as: UInt8.self)
            } else {
                let a = table[Int(source[whole])], b = table[Int(source[whole + 1])], c = table[Int(source[whole + 2])]
                if (a | b | c) & 0x80 != 0 || c & 0x03 != 0 { return false }
                target.storeBytes(of: a << 2 | b >> 4, toByteOffset: o, as: UInt8.self)
                target.storeBytes(of: (b & 0x0F) << 4 | c >> 2, toByteOffset: o + 1, as: UInt8.self)
            }
            return true
        }
    }

    /// True when `bytes` are three runs of the base64url alphabet (no padding)
    /// joined by two dots: a cheap shape test. The table is reached once per
    /// call: read per byte, the lazy global's `swift_once` check alone was
    /// 1.1% of the gateway's CPU on the cache-miss path (perf, scenario (c)).
    public static func isThreeSegments(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        decodeTable.withUnsafeBufferPointer { table in
            var dots = 0
            for byte in bytes {
                if byte == UInt8(ascii: ".") {
                    dots += 1
                    if dots > 2 { return false }
                } else if table[Int(byte)] & 0x80 != 0 {
                    return false
                }
            }
            return dots == 2
        }
    }

    /// Encodes `bytes` as base64url without padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        let count = input.count
        let outputCount = (count / 3) * 4 + [0, 2, 3][count % 3]
        return String(unsafeUninitializedCapacity: outputCount) { out in
            var i = 0
            var o = 0
            while i + 3 <= count {
                let bits = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                out[o] = alphabet[Int(bits >> 18 & 0x3F)]
                out[o + 1] = alphabet[Int(bits >> 12 & 0x3F)]
                out[o + 2] = alphabet[Int(bits >> 6 & 0x3F)]
                out[o + 3] = alphabet[Int(bits & 0x3F)]
                i += 3
                o += 4
            }
            switch count - i {
            case 1:
                let bits = UInt32(input[i]) << 16
                out[o] = alphabet[Int(bits >> 18 & 0x3F)]
                out[o + 1] = alphabet[Int(bits >> 12 & 0x3F)]
            case 2:
                let bits = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
                out[o] = alphabet[Int(bits >> 18 & 0x3F)]
                out[o + 1] = alphabet[Int(bits >> 12 & 0x3F)]
                out[o + 2] = alphabet[Int(bits >> 6 & 0x3F)]
            default:
                break
            }
            return outputCount
        }
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Set in `quadTables` for a byte outside the alphabet; no valid entry reaches bit 24.
    private static let invalidFlag: UInt32 = 0x0100_0000

    /// Four tables of 256 entries, one per position in a group of four
    /// characters: a character's six bits already in their place among the
    /// group's three bytes, first byte lowest (the order of a little-endian
    /// store), or `invalidFlag`.
    private static let quadTables: [UInt32] = {
        var tables = [UInt32](repeating: invalidFlag, count: 4 * 256)
        for (value, byte) in alphabet.enumerated() {
            for position in 0..<4 {
                let bits = UInt32(value) << (18 - 6 * position)
                let ordered = (bits >> 16) & 0xFF | ((bits >> 8) & 0xFF) << 8 | (bits & 0xFF) << 16
                tables[position * 256 + Int(byte)] = ordered
            }
        }
        return tables
    }()

    /// Maps a byte to its 6-bit value, or to 0xFF when it is not in the alphabet.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        return table
    }()
}
