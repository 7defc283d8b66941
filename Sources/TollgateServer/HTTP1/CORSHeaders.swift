import NIOHTTP1
import TollgateCore

/// Puts the core's CORS headers on an upstream response: one source of truth,
/// so any `Access-Control-*` header the upstream set is replaced, and
/// `Vary: Origin` joins the upstream's `Vary` instead of replacing it.
enum CORSHeaders {
    static func apply(_ fields: [HeaderField], to headers: inout HTTPHeaders) {
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
