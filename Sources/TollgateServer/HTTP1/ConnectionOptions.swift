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
