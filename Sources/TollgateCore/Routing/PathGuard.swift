/// The path-safety check that runs before routing, so that what is forwarded
/// is exactly what was authorised: the gateway and the upstream must not be
/// able to read one request target as two different paths.
///
/// Only origin-form (`/path?query`) is accepted; absolute-form
/// (`http://host/path`), authority-form and asterisk-form (`*`) are refused.
///
/// In the path it refuses: a `.` or `..` segment, raw or percent-encoded in any
/// case (`%2e`, `.%2E`…); a `;`, raw or `%3B` (matrix parameters: Java servlet
/// containers drop `;x` from a segment, so `/admin;x/secret` would be routed
/// as a literal segment `admin;x` yet served as `/admin/secret`, and `..;`
/// is read as `..`); `%2F` and `%5C`; a raw `\`; NUL, raw or `%00`; a `%` not
/// followed by two hex digits; `#`; space, control characters and raw bytes
/// of 0x80 or above. Empty segments (`//`) are allowed and are matched
/// literally.
///
/// The query is split off and not otherwise inspected, except that NUL,
/// control characters, space and `#` are refused there too.
public enum PathGuard {
    /// Accepts `target` (the request target as received) and splits it, or
    /// throws the first problem found.
    public static func check(_ target: String) throws(PathRejection) -> RequestTarget {
        var raw = target
        let scanned = raw.withUTF8 { bytes in Result { () throws(PathRejection) in try scan(bytes) } }
        return RequestTarget(raw: target, pathLength: try scanned.get())
    }

    /// Returns the path's length in bytes.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(PathRejection) -> Int {
        guard bytes.first == UInt8(ascii: "/") else { throw PathRejection(.notOriginForm, at: 0) }
        var segment = SegmentShape(start: 1)
        var position = 1
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "/"):
                try segment.finish()
                segment = SegmentShape(start: position + 1)
                position += 1
            case UInt8(ascii: "?"):
                try segment.finish()
                try scanQuery(bytes, from: position + 1)
                return position
            case UInt8(ascii: "%"):
                guard position + 2 < bytes.count,
                      let high = PercentDecoding.hexValue(bytes[position + 1]),
                      let low = PercentDecoding.hexValue(bytes[position + 2])
                else { throw PathRejection(.malformedPercentEncoding, at: position) }
                switch high << 4 | low {
                case 0x00: throw PathRejection(.nul, at: position)
                case 0x2F: throw PathRejection(.encodedSlash, at: position)
                case 0x5C: throw PathRejection(.encodedBackslash, at: position)
                case 0x3B: throw PathRejection(.semicolon, at: position)
                case let decoded: segment.add(decoded)
                }
                position += 3
            case UInt8(ascii: "\\"):
                throw PathRejection(.backslash, at: position)
            case UInt8(ascii: ";"):
                throw PathRejection(.semicolon, at: position)
            default:
                try checkCommon(byte, at: position)
                guard byte < 0x80 else { throw PathRejection(.nonASCII, at: position) }
                segment.add(byte)
                position += 1
            }
        }
        try segment.finish()
        return bytes.count
    }

    private static func scanQuery(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(PathRejection) {
        for position in start..<bytes.count {
            try checkCommon(bytes[position], at: position)
        }
    }

    /// What is refused raw anywhere in the target.
    @inline(__always)
    private static func checkCommon(_ byte: UInt8, at position: Int) throws(PathRejection) {
        switch byte {
        case 0x00: throw PathRejection(.nul, at: position)
        case 0x01...0x1F, 0x7F: throw PathRejection(.controlCharacter, at: position)
        case UInt8(ascii: " "): throw PathRejection(.space, at: position)
        case UInt8(ascii: "#"): throw PathRejection(.fragment, at: position)
        default: return
        }
    }
}

/// What one path segment decodes to, as far as dot segments go: how many dots
/// it holds, and whether anything else.
private struct SegmentShape {
    let start: Int
    var dots = 0
    var other = false

    @inline(__always)
    mutating func add(_ decoded: UInt8) {
        if decoded == UInt8(ascii: ".") { dots += 1 } else { other = true }
    }

    @inline(__always)
    func finish() throws(PathRejection) {
        if !other, dots == 1 || dots == 2 { throw PathRejection(.dotSegment, at: start) }
    }
}
