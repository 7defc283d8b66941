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
        let count = input.count
        let remainder = count & 3
        if remainder == 1 { return nil }
        let outputCount = (count / 4) * 3 + (remainder == 0 ? 0 : remainder - 1)
        var valid = true
        let output = [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            initialized = 0
            valid = decodeTable.withUnsafeBufferPointer { table in
                var i = 0
                var o = 0
                let whole = count - remainder
                while i < whole {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    let c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                    if (a | b | c | d) & 0x80 != 0 { return false }
                    let bits = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(truncatingIfNeeded: bits >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: bits >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: bits)
                    i += 4
                    o += 3
                }
                if remainder == 2 {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    if (a | b) & 0x80 != 0 || b & 0x0F != 0 { return false }
                    out[o] = a << 2 | b >> 4
                } else if remainder == 3 {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])], c = table[Int(input[i + 2])]
                    if (a | b | c) & 0x80 != 0 || c & 0x03 != 0 { return false }
                    out[o] = a << 2 | b >> 4
                    out[o + 1] = (b & 0x0F) << 4 | c >> 2
                }
                return true
            }
            if valid { initialized = outputCount }
        }
        return valid ? output : nil
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

    /// Maps a byte to its 6-bit value, or to 0xFF when it is not in the alphabet.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        return table
    }()
}
