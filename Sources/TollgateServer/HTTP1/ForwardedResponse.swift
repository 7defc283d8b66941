import NIOHTTP1
import TollgateCore

/// Builds the response head's fields sent to the client from the upstream's:
/// hop-by-hop fields removed, `X-Request-Id` set, the route's CORS fields in
/// place of the upstream's, and `Connection: close` when the gateway closes.
/// For a 101, the `Connection: upgrade` and `Upgrade` fields a 101 needs.
///
/// One pass over the upstream's fields, each name classified once
/// (`HeaderName`), into a list sized up front, like `ForwardedRequest`.
enum ForwardedResponse {
    static func headers(
        from upstream: HTTPHeaders,
        requestID: String,
        cors: [HeaderField],
        switchingProtocols: Bool = false,
        close: Bool
    ) -> HTTPHeaders {
        var fields: [(String, String)] = []
        fields.reserveCapacity(upstream.count + cors.count + 4)
        var options = ConnectionOptions()
        var upgrade: String?
        var vary: String?
        for (name, value) in upstream {
            switch HeaderName(name) {
            case .connection:
                options.add(value)
            case .upgrade:
                upgrade = upgrade.map { $0 + ", " + value } ?? value
            case let known? where known.isHopByHop:
                break
            case .xRequestID:
                break
            case .vary where !cors.isEmpty:
                vary = vary.map { $0 + ", " + value } ?? value
            case .accessControl where !cors.isEmpty:
                break
            default:
                fields.append((name, value))
            }
        }
        if !options.isEmpty {
            fields.removeAll { options.names($0.0) }
            if options.names(.vary) { vary = nil }
        }

        if switchingProtocols {
            fields.append(("connection", "upgrade"))
            fields.append(("upgrade", upgrade ?? ""))
        }
        fields.append(("x-request-id", requestID))
        if !cors.isEmpty { CORSHeaders.append(cors, upstreamVary: vary, to: &fields) }
        if close { fields.append(("connection", "close")) }
        return HTTPHeaders(fields)
    }
}
