/// RFC 9110 §7.6.1: the headers a `Connection` field names describe one
/// connection and are never forwarded. Gathered while a head's fields are
/// walked once; names that are hop-by-hop anyway (`keep-alive`, `upgrade`…)
/// are left out, so the usual `Connection: keep-alive` costs no second pass.
///
/// `Content-Length` and `Host` are never taken from a message this way: a
/// `GET` with a body whose length `Connection` named would reach the pooled
/// upstream connection unframed (NIO's encoder frames only methods expected
/// to have a body), and its body would be read there as another request.
struct ConnectionOptions {
    private var named: [Substring] = []

    /// No field beyond the fixed hop-by-hop ones is named.
    var isEmpty: Bool { named.isEmpty }

    /// Takes in one `Connection` field value: a comma-separated list of names.
    mutating func add(_ value: String) {
        let utf8 = value.utf8
        var start = utf8.startIndex
        while true {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
            let name = value[start..<end].trimmingHTTPWhitespace()
            if !name.isEmpty, !Self.kept(HeaderName(name)) { named.append(name) }
            guard end < utf8.endIndex else { return }
            start = utf8.index(after: end)
        }
    }

    /// Hop-by-hop anyway, or the message's framing and target: never dropped because `Connection` names it.
    private static func kept(_ known: HeaderName?) -> Bool {
        guard let known else { return false }
        return known.isHopByHop || known == .contentLength || known == .host
    }

    /// Whether a `Connection` field named `name`, in any case.
    func names(_ name: String) -> Bool {
        named.contains { ASCIICase.equal($0, name) }
    }

    /// Whether a `Connection` field named the gateway-known header `known`.
    func names(_ known: HeaderName) -> Bool {
        named.contains { HeaderName($0) == known }
    }
}

/// ASCII case-insensitive comparison of header names, without allocating.
enum ASCIICase {
    static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }

    static func hasPrefix(_ text: some StringProtocol, _ prefix: some StringProtocol) -> Bool {
        text.utf8.count >= prefix.utf8.count && zip(text.utf8, prefix.utf8).allSatisfy { lower($0) == lower($1) }
    }

    /// Whether `byte` is `lowercase` (a lower-case letter, digit or symbol) in either case.
    @inline(__always)
    static func equal(_ byte: UInt8, lowercase: UInt8) -> Bool {
        byte == lowercase || (byte | 0x20 == lowercase && lowercase &- 0x61 < 26)
    }

    /// Whether `text` holds `lowercase` anywhere, in any case (ASCII only: a
    /// non-ASCII byte never matches, as in the HTTP parser).
    static func contains(_ text: String, lowercase: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        let utf8 = Array(text.utf8)
        guard utf8.count >= needle.count else { return false }
        return (0...(utf8.count - needle.count)).contains { start in
            needle.indices.allSatisfy { equal(utf8[start + $0], lowercase: needle[$0]) }
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}

extension Substring {
    /// Without the spaces and tabs around a list element (RFC 9110 OWS).
    func trimmingHTTPWhitespace() -> Substring {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return trimmed
    }
}
