import NIOHTTP1

/// RFC 9110 §7.6.1: headers that describe one connection and are never
/// forwarded — `Connection` and every header it names, `Keep-Alive`,
/// `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`.
enum HopByHop {
    static let fixed: Set<String> = [
        "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-connection", "proxy-authenticate", "proxy-authorization",
    ]

    static func remove(from headers: inout HTTPHeaders) {
        var named: [String] = []
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingHTTPWhitespace().lowercased()
                if !name.isEmpty { named.append(name) }
            }
        }
        guard !named.isEmpty || headers.contains(where: { isHopByHop($0.name) }) else { return }
        var kept = HTTPHeaders()
        kept.reserveCapacity(headers.count)
        for header in headers {
            let lowered = header.name.lowercased()
            if isHopByHop(lowered) || named.contains(lowered) { continue }
            kept.add(name: header.name, value: header.value)
        }
        headers = kept
    }

    private static func isHopByHop(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return fixed.contains(lowered) || lowered.hasPrefix("proxy-")
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
