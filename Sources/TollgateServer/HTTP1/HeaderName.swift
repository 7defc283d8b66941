/// The header names the gateway drops, reads or sets when it builds a head,
/// recognised in one look at a name: its length picks the candidates, then
/// its bytes are compared ASCII case-insensitively, without allocating.
enum HeaderName: Equatable {
    case connection, keepAlive, te, trailer, transferEncoding, upgrade, proxy
    case expect, host, contentLength, vary, accessControl
    case xForwardedFor, xForwardedProto, xForwardedHost, xRequestID

    /// RFC 9110 §7.6.1: a field that describes one connection and is never forwarded.
    var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .te, .trailer, .transferEncoding, .upgrade, .proxy: true
        default: false
        }
    }

    /// `nil`: a name the gateway passes through untouched.
    init?(_ name: some StringProtocol) {
        let known = name.utf8.withContiguousStorageIfAvailable(Self.classify)
            ?? Array(name.utf8).withUnsafeBufferPointer(Self.classify)
        guard let known else { return nil }
        self = known
    }

    private static func classify(_ name: UnsafeBufferPointer<UInt8>) -> HeaderName? {
        switch name.count {
        case 2:
            if matches(name, "te") { return .te }
        case 4:
            if matches(name, "host") { return .host }
            if matches(name, "vary") { return .vary }
        case 6:
            if matches(name, "expect") { return .expect }
        case 7:
            if matches(name, "upgrade") { return .upgrade }
            if matches(name, "trailer") { return .trailer }
        case 10:
            if matches(name, "connection") { return .connection }
            if matches(name, "keep-alive") { return .keepAlive }
        case 12:
            if matches(name, "x-request-id") { return .xRequestID }
        case 14:
            if matches(name, "content-length") { return .contentLength }
        case 15:
            if matches(name, "x-forwarded-for") { return .xForwardedFor }
        case 16:
            if matches(name, "x-forwarded-host") { return .xForwardedHost }
        case 17:
            if matches(name, "transfer-encoding") { return .transferEncoding }
            if matches(name, "x-forwarded-proto") { return .xForwardedProto }
        default:
            break
        }
        if name.count >= 6, matches(name, "proxy-") { return .proxy }
        if name.count >= 15, matches(name, "access-control-") { return .accessControl }
        return nil
    }

    /// Whether `name` starts with `lowercase` (letters, digits and `-`), in any case.
    @inline(__always)
    private static func matches(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        let literal = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for index in literal.indices where !ASCIICase.equal(name[index], lowercase: literal[index]) {
            return false
        }
        return true
    }
}
