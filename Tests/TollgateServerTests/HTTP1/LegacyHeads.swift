import NIOHTTP1
import TollgateCore
@testable import TollgateServer

/// The head builders as they were before session 5 (878e49c), editing a copy
/// of the source headers in place with NIO's `remove`/`replaceOrAdd`: the
/// reference `ForwardedHeadsTests` compares the one-pass builders with.
enum LegacyHeads {
    static func request(from client: HTTPRequestHead, removing stripped: [String], identity: [HeaderField], upgrade: String?) -> HTTPHeaders {
        var headers = client.headers
        let chunked = headers["transfer-encoding"].contains { $0.lowercased().contains("chunked") }
        let hasLength = headers.contains(name: "content-length")
        removeHopByHop(from: &headers)
        headers.remove(name: "expect")
        for name in stripped { headers.remove(name: name) }
        for header in identity { headers.replaceOrAdd(name: header.name, value: header.value) }
        let forwardedFor = headers["x-forwarded-for"].joined(separator: ", ")
        headers.replaceOrAdd(name: "x-forwarded-for", value: forwardedFor.isEmpty ? "127.0.0.1" : forwardedFor + ", 127.0.0.1")
        headers.replaceOrAdd(name: "x-forwarded-proto", value: "https")
        if let host = client.headers.first(name: "host") {
            headers.replaceOrAdd(name: "x-forwarded-host", value: host)
        } else {
            headers.remove(name: "x-forwarded-host")
        }
        headers.replaceOrAdd(name: "x-request-id", value: "rid-1")
        if chunked {
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        } else if !hasLength, [.POST, .PUT, .PATCH].contains(client.method) {
            headers.add(name: "content-length", value: "0")
        }
        if let upgrade {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upgrade)
        }
        return headers
    }

    static func response(from upstream: HTTPHeaders, requestID: String, cors: [HeaderField], switchingProtocols: Bool, close: Bool) -> HTTPHeaders {
        var headers = upstream
        removeHopByHop(from: &headers)
        if switchingProtocols {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upstream["upgrade"].joined(separator: ", "))
        }
        headers.replaceOrAdd(name: "x-request-id", value: requestID)
        if !cors.isEmpty { applyCORS(cors, to: &headers) }
        if close { headers.add(name: "connection", value: "close") }
        return headers
    }

    private static func removeHopByHop(from headers: inout HTTPHeaders) {
        let fixed = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"]
        var named: [Substring] = []
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingHTTPWhitespace()
                if !name.isEmpty { named.append(name) }
            }
        }
        func isHopByHop(_ name: String) -> Bool {
            fixed.contains { ASCIICase.equal(name, $0) }
                || name.lowercased().hasPrefix("proxy-")
                || named.contains { ASCIICase.equal(name, $0) }
        }
        var kept = HTTPHeaders()
        for header in headers where !isHopByHop(header.name) {
            kept.add(name: header.name, value: header.value)
        }
        headers = kept
    }

    private static func applyCORS(_ fields: [HeaderField], to headers: inout HTTPHeaders) {
        let upstreamVary = headers["vary"]
        headers.remove(name: "vary")
        for name in headers.map(\.name) where name.lowercased().hasPrefix("access-control-") {
            headers.remove(name: name)
        }
        var vary = upstreamVary
        for field in fields {
            if field.name.lowercased() == "vary" {
                vary.append(field.value)
            } else {
                headers.add(name: field.name, value: field.value)
            }
        }
        if !vary.isEmpty { headers.add(name: "Vary", value: vary.joined(separator: ", ")) }
    }
}
