import NIOHTTP1

/// What the `Content-Length`, `Transfer-Encoding` and `Connection` fields of
/// an upstream response head say about its body and its connection, checked
/// as `UpstreamResponseParser` reads each field (a trailer section's fields
/// are not looked at: `active` false).
struct ResponseFraming {
    typealias Malformed = UpstreamResponseParser.Malformed

    let active: Bool
    private(set) var contentLength: Int?
    /// The head has a `Transfer-Encoding` field.
    private(set) var transferEncoding = false
    /// Its last transfer coding is `chunked`.
    private(set) var chunked = false
    /// `close` and `keep-alive` words seen in `Connection` fields.
    private var connectionCloses = 0
    private var connectionKeepsAlive = 0

    init(active: Bool) {
        self.active = active
    }

    mutating func note(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(Malformed) {
        guard active else { return }
        if Self.equalsLowercase(name, "content-length") {
            try noteContentLength(value)
        } else if Self.equalsLowercase(name, "transfer-encoding") {
            try noteTransferEncoding(value)
        } else if Self.equalsLowercase(name, "connection") {
            noteConnection(value)
        }
    }

    /// Whether the upstream keeps the connection open after this response,
    /// as NIO's `HTTPHeaders.isKeepAlive(version:)` decides it: `close`, or
    /// more than one of `close`/`keep-alive`, closes; one `keep-alive` keeps
    /// it; neither is HTTP/1.1's keep-alive and HTTP/1.0's close. Reading
    /// `isKeepAlive` off the parsed head instead split every `Connection`
    /// value into strings: 4 mallocs per response (`--scenario allocs`).
    func keepsAlive(_ version: HTTPVersion) -> Bool {
        switch (connectionCloses, connectionKeepsAlive) {
        case (0, 0): version.major == 1 && version.minor >= 1
        case (0, 1): true
        default: false
        }
    }

    private mutating func noteConnection(_ value: UnsafeRawBufferPointer) {
        Self.forEachElement(of: value) { word in
            if Self.equalsLowercase(word, "close") {
                connectionCloses += 1
            } else if Self.equalsLowercase(word, "keep-alive") {
                connectionKeepsAlive += 1
            }
        }
    }

    /// Each element of a comma-separated field value, without the spaces and tabs around it (RFC 9110 §5.6.1).
    static func forEachElement<E: Error>(
        of value: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            while first < end, value[first] == UInt8(ascii: " ") || value[first] == UInt8(ascii: "\t") { first += 1 }
            var last = end
            while last > first, value[last - 1] == UInt8(ascii: " ") || value[last - 1] == UInt8(ascii: "\t") { last -= 1 }
            try body(UnsafeRawBufferPointer(rebasing: value[first..<last]))
            start = end + 1
        }
    }

    /// `1*DIGIT`, once: a list or a second field, even with the same value, is refused (as llhttp does).
    private mutating func noteContentLength(_ value: UnsafeRawBufferPointer) throws(Malformed) {
        guard contentLength == nil else { throw Malformed(reason: "more than one Content-Length") }
        guard !value.isEmpty else { throw Malformed(reason: "an empty Content-Length") }
        var length = 0
        for byte in value {
            let digit = byte &- UInt8(ascii: "0")
            guard digit <= 9 else { throw Malformed(reason: "a Content-Length that is not digits") }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { throw Malformed(reason: "a Content-Length too large") }
            length = sum
        }
        contentLength = length
    }

    /// A list of codings (over any number of fields) in which `chunked`, if
    /// present, is the last and appears once.
    private mutating func noteTransferEncoding(_ value: UnsafeRawBufferPointer) throws(Malformed) {
        transferEncoding = true
        var codings = 0
        try Self.forEachElement(of: value) { (element) throws(Malformed) in
            var last = 0
            while last < element.count, element[last] != UInt8(ascii: ";"), element[last] != UInt8(ascii: " "),
                  element[last] != UInt8(ascii: "\t") {
                last += 1
            }
            guard last > 0 else { return }
            guard !chunked else { throw Malformed(reason: "a transfer coding after chunked") }
            chunked = Self.equalsLowercase(UnsafeRawBufferPointer(rebasing: element[0..<last]), "chunked")
            codings += 1
        }
        guard codings > 0 else { throw Malformed(reason: "a Transfer-Encoding without a coding") }
    }

    /// ASCII case-insensitive comparison with a lowercase string (the bytes compared are token bytes).
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] {
            return false
        }
        return true
    }
}
