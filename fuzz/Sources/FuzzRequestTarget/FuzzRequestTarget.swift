import TollgateCore

/// libFuzzer entry point for the request-target check that runs before
/// routing (`PathGuard`), then the route lookup and the `strip_prefix`
/// rewrite. The input is the request target of a request line. What
/// `PathGuard` accepts is checked against `NaivePathRules`, a plain re-reading
/// of SPEC's path-safety list, and what is forwarded upstream must pass
/// `PathGuard` again: what is forwarded is exactly what was authorised.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let naiveVerdict = NaivePathRules.isSafe(Array(text.utf8))
    guard let target = try? PathGuard.check(text) else {
        if naiveVerdict { fatalError("PathGuard refused a target the path-safety rules allow: \(text.debugDescription)") }
        return 0
    }
    guard naiveVerdict else { fatalError("PathGuard accepted an unsafe target: \(text.debugDescription)") }
    guard String(target.path) + (target.query.map { "?" + $0 } ?? "") == text else {
        fatalError("path and query do not add up to the target: \(text.debugDescription)")
    }
    for method in ["GET", "POST"] {
        let lookup = RoutingFixture.table.lookup(host: "api.example.com", target: target, method: method)
        guard case .route(let index) = lookup.match else { continue }
        let forwarded = String(RoutingFixture.table.forwardPath(for: index, target: target))
        guard (try? PathGuard.check(forwarded)) != nil else {
            fatalError("route \(index) forwards \(forwarded.debugDescription), which PathGuard refuses")
        }
    }
    return 0
}

/// SPEC's path-safety list, written the slow and obvious way: split the path
/// into segments, percent-decode each, and look at the result.
enum NaivePathRules {
    static func isSafe(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == UInt8(ascii: "/") else { return false }
        let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        for byte in bytes where byte < 0x21 || byte == 0x7F || byte == UInt8(ascii: "#") { return false }
        let path = Array(bytes[1..<pathEnd])
        for segment in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard let decoded = decode(Array(segment)) else { return false }
            if decoded == [0x2E] || decoded == [0x2E, 0x2E] { return false }
            for byte in decoded where byte == 0 || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: ";") {
                return false
            }
            for byte in segment where byte >= 0x80 || byte == UInt8(ascii: "\\") { return false }
        }
        return true
    }

    /// The segment percent-decoded, or nil when a `%` is not followed by two hex digits.
    static func decode(_ segment: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        var index = 0
        while index < segment.count {
            if segment[index] == UInt8(ascii: "%") {
                guard index + 2 < segment.count, let high = hex(segment[index + 1]), let low = hex(segment[index + 2])
                else { return nil }
                output.append(high * 16 + low)
                index += 3
            } else {
                output.append(segment[index])
                index += 1
            }
        }
        return output
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        let digits = Array("0123456789abcdef".utf8)
        let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F") ? byte + 32 : byte
        return digits.firstIndex(of: lower).map(UInt8.init)
    }
}

/// A route table shaped like a real gateway's: literals, parameters,
/// catch-alls, hosts, methods and `strip_prefix`.
enum RoutingFixture {
    static let table: RouteTable = {
        let routes: [(String, String?, [String]?, String?)] = [
            ("/**", nil, nil, nil),
            ("/admin/**", nil, ["GET"], nil),
            ("/api/**", "api.example.com", nil, "/api"),
            ("/api/v1/users/{id}", "*.example.com", ["GET", "POST"], "/api/v1"),
            ("/%61pps/{name}/**", nil, nil, "/apps"),
            ("/caf%C3%A9", nil, nil, nil),
        ]
        return try! RouteTable(routes.map { pattern, host, methods, strip in
            RouteTable.Entry(
                pattern: try! RoutePattern(parsing: pattern),
                host: host.map { try! HostPattern(parsing: $0) },
                methods: methods,
                stripPrefix: strip
            )
        })
    }()
}
