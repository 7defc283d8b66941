import TollgateCore

/// Puts the core's CORS headers on an upstream response: one source of truth,
/// so any `Access-Control-*` header the upstream set is replaced, and
/// `Vary: Origin` joins the upstream's `Vary` instead of replacing it.
enum CORSHeaders {
    /// Appends `cors` after the response's other fields; `upstreamVary` is
    /// the upstream's `Vary` values joined, which the core's `Vary` extends.
    static func append(_ cors: [HeaderField], upstreamVary: String?, to fields: inout [(String, String)]) {
        var vary = upstreamVary
        for field in cors {
            if HeaderName(field.name) == .vary {
                vary = vary.map { $0 + ", " + field.value } ?? field.value
            } else {
                fields.append((field.name, field.value))
            }
        }
        if let vary { fields.append(("Vary", vary)) }
    }
}
