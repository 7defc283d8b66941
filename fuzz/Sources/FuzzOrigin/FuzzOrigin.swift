import TollgateCore

/// libFuzzer entry point for the CORS `Origin` parser and matcher: the input
/// is an `Origin` header value (and, as a second reading, a `Host` header).
/// A parsed origin must re-parse to itself, and the matcher's fast path must
/// agree with `ReferenceMatcher`, the rules of `OriginMatcher` written plainly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOrigin(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let header = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let origin = try? Origin(parsing: header)
    if let origin {
        guard (try? Origin(parsing: origin.serialized)) == origin else {
            fatalError("\(origin.serialized.debugDescription) does not re-parse to itself (from \(header.debugDescription))")
        }
    }
    let fast = ReferenceMatcher.matcher.matches(header)
    guard fast == ReferenceMatcher.matches(origin) else {
        fatalError("OriginMatcher says \(fast) for \(header.debugDescription), the reference \(!fast)")
    }
    _ = try? Origin(scheme: "https", hostHeader: header)
    return 0
}

/// An allowed-origins list with each kind of entry, and what it should allow.
enum ReferenceMatcher {
    static let exact = ["https://app.example.com", "http://localhost:3000"]
    static let matcher = try! OriginMatcher(allowedOrigins: exact + ["https://*.example.org", "null"])

    static func matches(_ origin: Origin?) -> Bool {
        guard let origin else { return false }
        if origin.isNull || exact.contains(origin.serialized) { return true }
        let suffix = ".example.org"
        return origin.scheme == "https" && origin.port == nil
            && origin.host.hasSuffix(suffix) && origin.host.utf8.count > suffix.utf8.count
    }
}
