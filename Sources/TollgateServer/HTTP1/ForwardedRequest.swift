import NIOHTTP1
import TollgateCore

/// Builds the request head sent upstream from the client's: hop-by-hop and
/// identity headers removed, identity headers set from verified claims,
/// `X-Forwarded-*` and `X-Request-Id` set, and the body framing made explicit.
enum ForwardedRequest {
    static func head(
        from client: HTTPRequestHead,
        target: String,
        removing stripped: [String],
        identity: [HeaderField],
        clientAddress: String,
        scheme: String,
        requestID: String
    ) -> HTTPRequestHead {
        var headers = client.headers
        let chunked = headers["transfer-encoding"].contains { $0.lowercased().contains("chunked") }
        let hasLength = headers.contains(name: "content-length")
        HopByHop.remove(from: &headers)
        headers.remove(name: "expect")
        for name in stripped { headers.remove(name: name) }
        for header in identity { headers.replaceOrAdd(name: header.name, value: header.value) }

        let forwardedFor = headers["x-forwarded-for"].joined(separator: ", ")
        headers.replaceOrAdd(name: "x-forwarded-for", value: forwardedFor.isEmpty ? clientAddress : forwardedFor + ", " + clientAddress)
        headers.replaceOrAdd(name: "x-forwarded-proto", value: scheme)
        if let host = client.headers.first(name: "host") {
            headers.replaceOrAdd(name: "x-forwarded-host", value: host)
        } else {
            headers.remove(name: "x-forwarded-host")
        }
        headers.replaceOrAdd(name: "x-request-id", value: requestID)

        if chunked {
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        } else if !hasLength, [.POST, .PUT, .PATCH].contains(client.method) {
            headers.add(name: "content-length", value: "0")
        }
        return HTTPRequestHead(version: .http1_1, method: client.method, uri: target, headers: headers)
    }
}
