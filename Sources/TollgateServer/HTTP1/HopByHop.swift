import NIOHTTP1

/// RFC 9110 §7.6.1: headers that describe one connection and are never
/// forwarded — `Connection` and every header it names, `Keep-Alive`,
/// `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`.
///
/// Names are compared without lower-casing copies: the first profile showed
/// `lowercased()` on every header of every request at 2.7% of the proxy's CPU.
enum HopByHop {
    static let fixed: [String] = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"]

    static func remove(from headers: inout HTTPHeaders) {
        var named: [Substring] = []
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingHTTPWhitespace()
                if !name.isEmpty { named.append(name) }
            }
        }
        func isHopByHop(_ name: String) -> Bool {
            fixed.contains { ASCIICase.equal(name, $0) }
                || ASCIICase.hasPrefix(name, "proxy-")
                || named.contains { ASCIICase.equal(name, $0) }
        }
        guard headers.contains(where: { isHopByHop($0.name) }) else { return }
        var kept = HTTPHeaders()
        kept.reserveCapacity(headers.count)
        for header in headers where !isHopByHop(header.name) {
            kept.add(name: header.name, value: header.value)
        }
        headers = kept
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
