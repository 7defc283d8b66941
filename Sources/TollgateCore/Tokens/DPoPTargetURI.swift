/// An `http(s)` URI reduced to what a DPoP proof's `htu` is compared on
/// (RFC 9449 §4.3 check 9): scheme, authority and path, without query and
/// fragment, normalised per RFC 3986 §6.2.2 and §6.2.3 — scheme and host in
/// lower case, the scheme's default port removed, an empty path written `/`,
/// percent-encodings in upper-case hex and those of unreserved characters
/// decoded. Dot segments are left as they are: the gateway refuses request
/// paths that contain them, so a proof naming one can never match.
public struct DPoPTargetURI: Sendable, Hashable, CustomStringConvertible {
    /// `scheme://host[:port]/path`, normalised.
    public let normalized: String

    /// Normalises an absolute `http://` or `https://` URI; `nil` when it is not
    /// one (another scheme, no host, user information, a bad port or percent-encoding).
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard let separator = Self.find("://", in: utf8) else { return nil }
        let scheme = String(decoding: utf8[..<separator], as: UTF8.self).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = utf8[(separator + 3)...]
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        guard let origin = Self.origin(scheme: scheme, authority: rest[..<authorityEnd]) else { return nil }
        let pathEnd = rest[authorityEnd...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        guard let path = Self.normalizedPath(rest[authorityEnd..<pathEnd]) else { return nil }
        normalized = origin + path
    }

    /// The URI a request was sent to: `origin` (`scheme://host[:port]`) and the
    /// path of the request target, whose query is dropped.
    public init?(origin: String, target: some StringProtocol) {
        let path = target.utf8.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }.map { target[..<$0] } ?? target[...]
        guard path.utf8.first == UInt8(ascii: "/") else { return nil }
        self.init(origin + path)
    }

    public var description: String { normalized }

    /// `scheme://host[:port]` alone, normalised; `nil` when `text` has a path
    /// other than `/`, a query or a fragment (`server.public_origin`).
    public static func origin(_ text: String) -> String? {
        guard !text.contains("?"), !text.contains("#"), let uri = DPoPTargetURI(text) else { return nil }
        let normalized = Array(uri.normalized.utf8)
        guard let separator = find("://", in: normalized),
              let pathStart = normalized[(separator + 3)...].firstIndex(of: UInt8(ascii: "/")),
              pathStart == normalized.count - 1
        else { return nil }
        return String(decoding: normalized[..<pathStart], as: UTF8.self)
    }

    private static func find(_ needle: String, in bytes: [UInt8]) -> Int? {
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count else { return nil }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
            return start
        }
        return nil
    }

    private static func origin(scheme: String, authority: ArraySlice<UInt8>) -> String? {
        guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")), !authority.contains(UInt8(ascii: "%")) else { return nil }
        let text = String(decoding: authority, as: UTF8.self).lowercased()
        var host = text
        var port: Substring = ""
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[...close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                port = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard port.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), port.utf8.count <= 5 else { return nil }
        if port.isEmpty { return "\(scheme)://\(host)" }
        guard let number = Int(port), number <= 65_535 else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        return number == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(number)"
    }

    /// The path with percent-encodings normalised; `nil` for a malformed `%`.
    private static func normalizedPath(_ path: ArraySlice<UInt8>) -> String? {
        if path.isEmpty { return "/" }
        var output: [UInt8] = []
        output.reserveCapacity(path.count)
        var index = path.startIndex
        while index < path.endIndex {
            let byte = path[index]
            guard byte > 0x20, byte < 0x7F else { return nil }
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 2 < path.endIndex, let high = hexValue(path[index + 1]), let low = hexValue(path[index + 2]) else { return nil }
            let decoded = high << 4 | low
            if isUnreserved(decoded) {
                output.append(decoded)
            } else {
                output.append(contentsOf: [UInt8(ascii: "%"), hexDigit(high), hexDigit(low)])
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        Array("0123456789ABCDEF".utf8)[Int(value)]
    }

    /// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
