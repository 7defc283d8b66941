/// Transformations of JOSE ECDSA signatures (R || S) for hostile-token tests.
enum ECDSASignatures {
    /// The order n of the P-256 group.
    static let p256Order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]

    /// The same signature DER-encoded (SEQUENCE of two INTEGERs), as some libraries wrongly emit.
    static func der(fromRaw raw: [UInt8]) -> [UInt8] {
        let half = raw.count / 2
        let body = integer(Array(raw[..<half])) + integer(Array(raw[half...]))
        return [0x30] + length(body.count) + body
    }

    /// (R, n − S): the other valid signature for the same message (high-S if S was low).
    static func negatingS(_ raw: [UInt8], order: [UInt8]) -> [UInt8] {
        let half = raw.count / 2
        let s = Array(raw[half...])
        var difference = [UInt8](repeating: 0, count: half)
        var borrow = 0
        for index in stride(from: half - 1, through: 0, by: -1) {
            var value = Int(order[index]) - Int(s[index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            difference[index] = UInt8(value)
        }
        return Array(raw[..<half]) + difference
    }

    private static func integer(_ bigEndian: [UInt8]) -> [UInt8] {
        var value = Array(bigEndian.drop { $0 == 0 })
        if value.isEmpty || value[0] & 0x80 != 0 { value.insert(0, at: 0) }
        return [0x02] + length(value.count) + value
    }

    private static func length(_ count: Int) -> [UInt8] {
        count < 0x80 ? [UInt8(count)] : [0x81, UInt8(count)]
    }
}
