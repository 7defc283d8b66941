/// The pieces of a serialized origin (`scheme://host[:port]` or `null`) found in
/// its bytes without copying them, so that a request's `Origin` header can be
/// matched without building a `String`.
///
/// Accepted: a scheme (`ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")`), `://`, a
/// host — DNS-style labels of `A-Z a-z 0-9 - _` separated by single dots, with
/// at most one trailing dot (kept: `example.com.` is a different origin from
/// `example.com`), or an IPv6 literal in brackets — and an optional `:port`
/// (1–65535). Anything else (userinfo, a path, even `/`, a query, a fragment,
/// percent-encoding, spaces, non-ASCII, an empty port) is not an origin.
struct OriginSyntax {
    /// Byte ranges into the scanned buffer.
    let scheme: Range<Int>
    let host: Range<Int>
    /// The port written, if any; `effectivePort` drops a default one.
    let writtenPort: Int?
    let isNull: Bool
    /// Already in canonical form: lower-case scheme and host, no default port,
    /// no leading zeros in the port.
    let isCanonical: Bool

    /// The port that distinguishes this origin: `nil` for the scheme's default.
    func effectivePort(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let writtenPort else { return nil }
        return writtenPort == Self.defaultPort(scheme: bytes[scheme]) ? nil : writtenPort
    }

    static let null = OriginSyntax(scheme: 0..<0, host: 0..<0, writtenPort: nil, isNull: true, isCanonical: true)

    /// 80 for `http`, 443 for `https` (case-insensitive); none for other schemes.
    static func defaultPort(scheme: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        if ASCII.equalsIgnoringCase(scheme, "https") { return 443 }
        if ASCII.equalsIgnoringCase(scheme, "http") { return 80 }
        return nil
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<OriginSyntax, InvalidOrigin> {
        if ASCII.equals(bytes[...], "null") { return .success(.null) }
        var index = 0
        var canonical = true

        // scheme
        guard index < bytes.count, ASCII.isLetter(bytes[index]) else { return .failure(InvalidOrigin(.missingScheme)) }
        while index < bytes.count, ASCII.isSchemeCharacter(bytes[index]) {
            if ASCII.isUpper(bytes[index]) { canonical = false }
            index += 1
        }
        let scheme = 0..<index
        guard ASCII.equals(bytes[index...].prefix(3), "://") else { return .failure(InvalidOrigin(.missingScheme)) }
        index += 3
        if bytes[index...].contains(UInt8(ascii: "@")) { return .failure(InvalidOrigin(.userinfo)) }

        let authority: Authority
        switch scanAuthority(bytes, from: index) {
        case .success(let scanned): authority = scanned
        case .failure(let failure): return .failure(failure)
        }
        let writesDefaultPort = authority.port != nil && authority.port == defaultPort(scheme: bytes[scheme])
        return .success(OriginSyntax(
            scheme: scheme,
            host: authority.host,
            writtenPort: authority.port,
            isNull: false,
            isCanonical: canonical && authority.isCanonical && !writesDefaultPort
        ))
    }

    /// The `host[:port]` of an origin or of a `Host` header, running to the
    /// end of `bytes`.
    struct Authority {
        let host: Range<Int>
        let port: Int?
        /// Lower-case host, no leading zeros in the port.
        let isCanonical: Bool
    }

    static func scanAuthority(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Result<Authority, InvalidOrigin> {
        var index = start
        var canonical = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "[") {
            index += 1
            while index < bytes.count, ASCII.isHexDigit(bytes[index]) || bytes[index] == UInt8(ascii: ":") || bytes[index] == UInt8(ascii: ".") {
                if ASCII.isUpper(bytes[index]) { canonical = false }
                index += 1
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "]"), index > start + 1 else { return .failure(InvalidOrigin(.invalidHost)) }
            index += 1
        } else {
            var labelLength = 0
            var trailingDot = false
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    guard labelLength > 0, !trailingDot else { return .failure(InvalidOrigin(.invalidHost)) }
                    labelLength = 0
                    trailingDot = true
                } else if ASCII.isHostCharacter(byte) {
                    if ASCII.isUpper(byte) { canonical = false }
                    labelLength += 1
                    trailingDot = false
                } else {
                    return .failure(Self.reason(forUnexpected: byte))
                }
                index += 1
            }
            guard index > start else { return .failure(InvalidOrigin(.invalidHost)) }
        }
        let host = start..<index

        var port: Int?
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: ":") else { return .failure(Self.reason(forUnexpected: bytes[index])) }
            index += 1
            let digitsStart = index
            var value = 0
            while index < bytes.count, ASCII.isDigit(bytes[index]) {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                guard value <= 65_535 else { return .failure(InvalidOrigin(.invalidPort)) }
                index += 1
            }
            if index < bytes.count {
                let failure = Self.reason(forUnexpected: bytes[index])
                return .failure(failure.reason == .invalidHost ? InvalidOrigin(.invalidPort) : failure)
            }
            guard index > digitsStart, value > 0 else { return .failure(InvalidOrigin(.invalidPort)) }
            if bytes[digitsStart] == UInt8(ascii: "0") { canonical = false }
            port = value
        }
        return .success(Authority(host: host, port: port, isCanonical: canonical))
    }

    private static func reason(forUnexpected byte: UInt8) -> InvalidOrigin {
        switch byte {
        case UInt8(ascii: "@"): InvalidOrigin(.userinfo)
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"): InvalidOrigin(.pathQueryOrFragment)
        default: InvalidOrigin(.invalidHost)
        }
    }
}

/// A scan's failure: which rule the text breaks.
struct InvalidOrigin: Error {
    let reason: OriginError.Reason

    init(_ reason: OriginError.Reason) {
        self.reason = reason
    }
}

/// Allocation-free ASCII helpers over byte buffers.
enum ASCII {
    static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (lowercased(byte) >= UInt8(ascii: "a") && lowercased(byte) <= UInt8(ascii: "f"))
    }

    static func isSchemeCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    static func isHostCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// RFC 9110 `tchar`: what a method or header name is made of.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        if isLetter(byte) || isDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isToken(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenCharacter)
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }

    static func equals(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { expected in
            var offset = 0
            for byte in bytes {
                guard byte == expected[offset] else { return false }
                offset += 1
            }
            return true
        }
    }

    static func equalsIgnoringCase(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { equalsIgnoringCase(bytes, lowercase: $0) }
    }

    /// Case-insensitive equality with bytes already in lower case.
    static func equalsIgnoringCase(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, lowercase expected: some RandomAccessCollection<UInt8>) -> Bool {
        guard bytes.count == expected.count else { return false }
        var expectedIndex = expected.startIndex
        for byte in bytes {
            guard lowercased(byte) == expected[expectedIndex] else { return false }
            expectedIndex = expected.index(after: expectedIndex)
        }
        return true
    }

    /// Case-insensitive equality of two byte ranges.
    static func equalsIgnoringCase(_ lhs: Slice<UnsafeBufferPointer<UInt8>>, _ rhs: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var rhsIndex = rhs.startIndex
        for byte in lhs {
            guard lowercased(byte) == lowercased(rhs[rhsIndex]) else { return false }
            rhsIndex += 1
        }
        return true
    }

    /// Case-insensitive equality of any two byte sequences (off the hot path).
    static func equalsIgnoringCase(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { lowercased($0) == lowercased($1) }
    }
}

extension StringProtocol {
    /// Runs `body` on the text's UTF-8 bytes, copying only if they are not
    /// stored contiguously (bridged strings).
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = String(self)
        return copy.withUTF8(body)
    }
}
