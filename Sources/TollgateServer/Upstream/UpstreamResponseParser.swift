import NIOCore
import NIOHTTP1

/// Parses the HTTP/1.1 responses of one upstream connection from the bytes
/// it reads, incrementally, in the order the requests were sent.
///
/// It replaced NIO's `HTTPResponseDecoder` (llhttp, a `NIOAny` per part) and
/// the read boundary that split every read in two so that llhttp ran twice:
/// here a response's end is exact, so bytes left after it are simply counted
/// (`bufferedBytes`). Body parts are slices of the bytes read; the head's
/// fields are the only allocation. See `UpstreamConnectionHandler` for what
/// the whole upstream codec saved.
///
/// Stricter than llhttp where the RFC allows a choice (each is a refusal,
/// `Malformed`): only `HTTP/1.1` and `HTTP/1.0`; status codes 100–599;
/// every line ends in CRLF (no bare LF); no obs-fold, no whitespace before a
/// field's colon, no control character (NUL, CR, LF, DEL…) in a value or
/// reason; `Content-Length` is digits only and appears once (a repeated
/// field, even with the same value, or a list is refused: RFC 9110 §8.6
/// lets a recipient refuse it, and llhttp does); `Content-Length` with
/// `Transfer-Encoding`, `Transfer-Encoding` on HTTP/1.0, and `chunked` other
/// than as the last coding are refused (RFC 9112 §6.1, §6.3); chunk sizes
/// are hex digits that fit an `Int`, extensions are validated (no
/// whitespace) and ignored; the reason phrase is checked and dropped.
/// The head (status line, fields and line ends) and the trailer section are
/// each at most `maxSectionBytes`, NIO's default 80 KiB.
///
/// Framing is RFC 9112 §6.3: no body after a HEAD request, or on 1xx, 204
/// and 304; 1xx other than 101 are interim and dropped (as NIO's default
/// did); a 101, or any response to CONNECT, ends HTTP on the connection
/// (`isUpgraded`; the bytes after the head belong to a tunnel, or to nobody); chunked when the last
/// transfer coding is `chunked`; else until the connection closes when there
/// is a `Transfer-Encoding`; else `Content-Length`; else until close.
struct UpstreamResponseParser {
    /// One step of a response, as NIO's decoder delivered it.
    typealias Part = HTTPClientResponsePart

    /// A response that is not HTTP/1.1 as this parser accepts it.
    struct Malformed: Error, Equatable, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// What the parser needs to know of a request to frame its response.
    enum RequestKind: Equatable {
        case head
        case connect
        case other

        init(_ method: HTTPMethod) {
            switch method {
            case .HEAD: self = .head
            case .CONNECT: self = .connect
            default: self = .other
            }
        }
    }

    /// NIO's default bound on a head's fields (`NIOHTTPDecoderLimitConfiguration`), applied here to the whole head.
    static let maxSectionBytes = 80 * 1024
    /// A chunk-size line (hex digits and extensions) longer than this is refused.
    static let maxChunkLineBytes = 4096
    private static let chunkLineTooLong = Malformed(reason: "a chunk size line longer than \(maxChunkLineBytes) bytes")
    private static let chunkLineInvalid = Malformed(reason: "a chunk size line with bytes other than hex digits and extensions")

    private enum State: Equatable {
        /// Waiting for a response head.
        case head
        /// The head was delivered; its (empty) body's end is next.
        case endNext
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// After a chunk's data: its CRLF.
        case chunkDataEnd
        case trailers
        case untilClose
        /// After a 101 or a response to CONNECT: nothing more is HTTP.
        case upgraded
        case failed(Malformed)
    }

    private var state = State.head
    /// Bytes received and not yet parsed.
    private var buffered: ByteBuffer?
    /// The current head or trailer section's lines, checked as they arrive.
    private var sectionScan = HTTP1SectionScan()
    /// The requests sent whose final response has not ended, oldest first.
    private var requests: CircularBuffer<RequestKind>
    /// After the head of a response that will become a tunnel.
    private var upgradeAfterEnd = false

    init() {
        requests = CircularBuffer(initialCapacity: 2)
    }

    /// Whether the last head parsed lets the connection stay open (its
    /// `Connection` field and version); read this, not the head's `isKeepAlive`.
    private(set) var headKeepsAlive = true

    /// Unparsed bytes: after a response's end, bytes the upstream sent beyond it.
    var bufferedBytes: Int { buffered?.readableBytes ?? 0 }

    /// True once the connection stopped carrying HTTP (a 101, or a response to CONNECT).
    var isUpgraded: Bool { state == .upgraded }

    /// True when a response is under way, or one is awaited for a request sent.
    var isBusy: Bool { state != .head || !requests.isEmpty }

    /// Records a request written to the upstream: its response comes after those of the earlier ones.
    mutating func requestSent(_ kind: RequestKind) {
        requests.append(kind)
    }

    /// Adds bytes read from the upstream.
    mutating func receive(_ bytes: ByteBuffer) {
        if var buffered, buffered.readableBytes > 0 {
            self.buffered = nil
            buffered.writeImmutableBuffer(bytes)
            self.buffered = buffered
        } else {
            buffered = bytes
        }
    }

    /// Takes the bytes not parsed: after an upgrade, the first bytes of the tunnel.
    mutating func takeBufferedBytes() -> ByteBuffer? {
        defer { buffered = nil }
        return buffered.flatMap { $0.readableBytes > 0 ? $0 : nil }
    }

    /// The next part of the response from the bytes received, or nil when more
    /// bytes are needed (or the connection is upgraded). After a throw, every
    /// call throws the same.
    mutating func next() throws(Malformed) -> Part? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            buffered = nil
            throw error
        }
    }

    /// The connection closed: the end of a body delimited by the close, else
    /// nil (a response cut short, or none under way).
    mutating func endOfInput() -> Part? {
        guard state == .untilClose else { return nil }
        finishResponse()
        return .end(nil)
    }

    // MARK: - Steps

    private mutating func step() throws(Malformed) -> Part? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .upgraded:
                return nil
            case .endNext:
                finishResponse()
                return .end(nil)
            case .head:
                guard bufferedBytes > 0 else { return nil }
                guard let request = requests.first else { throw Malformed(reason: "bytes before any request was sent") }
                guard let section = try scanSection(what: "response head") else { return nil }
                let head = try parseHead(length: section.length, fields: section.lines, request: request)
                if let head { return .head(head) }
            case .fixedBody(let remaining):
                guard let body = buffered.takeBody(upTo: remaining) else { return nil }
                let left = remaining - body.readableBytes
                state = left == 0 ? .endNext : .fixedBody(remaining: left)
                return .body(body)
            case .untilClose:
                guard let bytes = buffered, bytes.readableBytes > 0 else { return nil }
                buffered = nil
                return .body(bytes)
            case .chunkSize:
                guard let size = try parseChunkSize() else { return nil }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard let body = buffered.takeBody(upTo: remaining) else { return nil }
                let left = remaining - body.readableBytes
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(body)
            case .chunkDataEnd:
                guard var bytes = buffered, bytes.readableBytes >= 2 else {
                    if let byte = buffered?.readableBytesView.first, byte != UInt8(ascii: "\r") {
                        throw Malformed(reason: "chunk data not followed by CRLF")
                    }
                    return nil
                }
                guard bytes.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw Malformed(reason: "chunk data not followed by CRLF")
                }
                keep(bytes)
                state = .chunkSize
            case .trailers:
                guard bufferedBytes > 0, let section = try scanSection(what: "trailer section") else { return nil }
                let trailers = try parseTrailers(length: section.length, fields: section.lines)
                finishResponse()
                return .end(trailers)
            }
        }
    }

    /// Keeps the bytes not parsed yet, or nothing when all were: a consumed
    /// read's storage is not held, so NIO can reuse its receive buffer.
    private mutating func keep(_ bytes: ByteBuffer) {
        buffered = bytes.readableBytes > 0 ? bytes : nil
    }

    /// The final response ended: the next bytes start the next request's response.
    private mutating func finishResponse() {
        requests.removeFirst()
        state = upgradeAfterEnd ? .upgraded : .head
        upgradeAfterEnd = false
    }

    /// Checks the lines of a head or trailer section as they arrive: each ends in CRLF
    /// and holds no NUL. Returns the section's length (its empty line included) once
    /// complete, nil while it is not.
    private mutating func scanSection(what: String) throws(Malformed) -> (length: Int, lines: Int)? {
        guard let bytes = buffered else { return nil }
        switch bytes.withUnsafeReadableBytes({ sectionScan.scan($0) }) {
        case .refused(let fault):
            throw Malformed(reason: fault.reason(in: what))
        case .complete(let length, let lines):
            guard what != "response head" || lines > 0 else {
                throw Malformed(reason: "an empty line where the status line belongs")
            }
            guard length <= Self.maxSectionBytes else { throw Self.tooLarge(what) }
            return (length, what == "response head" ? lines - 1 : lines)
        case .incomplete:
            if sectionScan.scanned > Self.maxSectionBytes { throw Self.tooLarge(what) }
            return nil
        }
    }

    private static func tooLarge(_ what: String) -> Malformed {
        Malformed(reason: "the \(what) is larger than \(maxSectionBytes) bytes")
    }

    // MARK: - Head

    /// Parses a complete head and sets the framing of its body; nil for an interim (1xx) response, which is dropped.
    private mutating func parseHead(length: Int, fields: Int, request: RequestKind) throws(Malformed) -> HTTPResponseHead? {
        var bytes = buffered!
        let section = bytes.readSlice(length: length)!
        keep(bytes)
        var framing = ResponseFraming(active: true)
        let parsed: Result<HTTPResponseHead, Malformed> = section.withUnsafeReadableBytes { raw in
            do throws(Malformed) {
                let lineEnd = HTTP1SectionScan.lineEnd(raw, from: 0)
                let (version, status) = try Self.parseStatusLine(UnsafeRawBufferPointer(rebasing: raw[0..<lineEnd]))
                let headers = try Self.parseFields(raw, from: lineEnd + 2, count: fields, framing: &framing)
                return .success(HTTPResponseHead(version: version, status: status, headers: headers))
            } catch {
                return .failure(error)
            }
        }
        let head: HTTPResponseHead
        switch parsed {
        case .failure(let error): throw error
        case .success(let value): head = value
        }
        try setFraming(of: head, framing, request: request)
        headKeepsAlive = framing.keepsAlive(head.version)
        return head.status.code < 200 && head.status != .switchingProtocols ? nil : head
    }

    private mutating func setFraming(of head: HTTPResponseHead, _ framing: ResponseFraming, request: RequestKind) throws(Malformed) {
        let code = head.status.code
        if framing.contentLength != nil, framing.transferEncoding {
            throw Malformed(reason: "both Content-Length and Transfer-Encoding")
        }
        if framing.transferEncoding, head.version.minor == 0 {
            throw Malformed(reason: "Transfer-Encoding on an HTTP/1.0 response")
        }
        if code < 200 {
            guard head.status == .switchingProtocols else { return }
            upgradeAfterEnd = true
            state = .endNext
            return
        }
        if request == .connect {
            // Any response to CONNECT has no body (as NIO's decoder has it); after a 2xx the
            // connection is a tunnel (RFC 9112 §6.3 (2)), and it is never reused either way.
            upgradeAfterEnd = true
            state = .endNext
            return
        }
        if request == .head || code == 204 || code == 304 {
            state = .endNext
        } else if framing.chunked {
            state = .chunkSize
        } else if framing.transferEncoding {
            state = .untilClose
        } else if let length = framing.contentLength {
            state = length == 0 ? .endNext : .fixedBody(remaining: length)
        } else {
            state = .untilClose
        }
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`; the reason is checked and dropped (the proxy sends the code's own, as with NIO's decoder).
    private static func parseStatusLine(_ line: UnsafeRawBufferPointer) throws(Malformed) -> (HTTPVersion, HTTPResponseStatus) {
        guard line.count >= 12,
              line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
              line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/"), line[5] == UInt8(ascii: "1"),
              line[6] == UInt8(ascii: "."), line[7] == UInt8(ascii: "1") || line[7] == UInt8(ascii: "0"),
              line[8] == UInt8(ascii: " ")
        else {
            throw Malformed(reason: "the status line does not start with HTTP/1.1 or HTTP/1.0 and a space")
        }
        let version = HTTPVersion(major: 1, minor: line[7] == UInt8(ascii: "1") ? 1 : 0)
        var code = 0
        for index in 9..<12 {
            let digit = line[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { throw Malformed(reason: "the status code is not three digits") }
            code = code * 10 + Int(digit)
        }
        guard (100...599).contains(code) else { throw Malformed(reason: "status code \(code) is outside 100–599") }
        if line.count > 12 {
            guard line[12] == UInt8(ascii: " ") else { throw Malformed(reason: "the status code is not three digits") }
            for byte in line[13...] where !isFieldByte(byte) {
                throw Malformed(reason: "a control character in the reason phrase")
            }
        }
        return (version, HTTPResponseStatus(statusCode: code))
    }

    /// The field lines from `start` to the section's empty line.
    private static func parseFields(
        _ raw: UnsafeRawBufferPointer,
        from start: Int,
        count: Int,
        framing: inout ResponseFraming
    ) throws(Malformed) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(count)
        var lineStart = start
        while true {
            let end = HTTP1SectionScan.lineEnd(raw, from: lineStart)
            if end == lineStart { return headers }
            let (name, value) = try parseField(UnsafeRawBufferPointer(rebasing: raw[lineStart..<end]))
            try framing.note(name: name, value: value)
            headers.add(
                name: String(decoding: name, as: UTF8.self),
                value: String(decoding: value, as: UTF8.self)
            )
            lineStart = end + 2
        }
    }

    /// `token ":" OWS value OWS`, the value without its surrounding whitespace.
    static func parseField(_ line: UnsafeRawBufferPointer) throws(Malformed) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        guard let first = line.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") else {
            throw Malformed(reason: "a field line starting with whitespace (obs-fold)")
        }
        var colon = 0
        while colon < line.count, line[colon] != UInt8(ascii: ":") {
            guard isTokenByte(line[colon]) else { throw Malformed(reason: "a field name that is not a token") }
            colon += 1
        }
        guard colon < line.count, colon > 0 else { throw Malformed(reason: "a field line without a name and a colon") }
        var start = colon + 1
        var end = line.count
        while start < end, isWhitespace(line[start]) { start += 1 }
        while end > start, isWhitespace(line[end - 1]) { end -= 1 }
        var index = start
        while index < end {
            if index + ByteWord.width <= end, ByteWord.isPlainFieldText(ByteWord.load(line, at: index)) {
                index += ByteWord.width
                continue
            }
            guard isFieldByte(line[index]) else { throw Malformed(reason: "a control character in a field value") }
            index += 1
        }
        return (UnsafeRawBufferPointer(rebasing: line[..<colon]), UnsafeRawBufferPointer(rebasing: line[start..<end]))
    }

    // MARK: - Chunked

    /// `1*HEXDIG [ext] CRLF` at the front of the bytes received; nil until the line is complete.
    private mutating func parseChunkSize() throws(Malformed) -> Int? {
        guard var bytes = buffered, bytes.readableBytes > 0 else { return nil }
        let outcome: Result<(size: Int, length: Int)?, Malformed> = bytes.withUnsafeReadableBytes { raw in
            var size = 0
            var index = 0
            while index < raw.count, let digit = Self.hexValue(raw[index]) {
                guard size <= (Int.max - 15) / 16 else { return .failure(Malformed(reason: "a chunk size too large")) }
                size = size * 16 + digit
                index += 1
            }
            if index < raw.count, index == 0 { return .failure(Malformed(reason: "a chunk size that is not hex digits")) }
            guard let end = Self.skipChunkExtensions(raw, from: index) else { return .failure(Self.chunkLineInvalid) }
            if end + 1 >= raw.count {
                guard end <= Self.maxChunkLineBytes else { return .failure(Self.chunkLineTooLong) }
                guard end == raw.count || raw[end] == UInt8(ascii: "\r") else { return .failure(Self.chunkLineInvalid) }
                return .success(nil)
            }
            guard raw[end] == UInt8(ascii: "\r"), raw[end + 1] == UInt8(ascii: "\n") else { return .failure(Self.chunkLineInvalid) }
            return .success((size, end + 2))
        }
        switch outcome {
        case .failure(let error):
            throw error
        case .success(nil):
            return nil
        case .success(let parsed?):
            bytes.moveReaderIndex(forwardBy: parsed.length)
            keep(bytes)
            return parsed.size
        }
    }

    /// Where `*( ";" token [ "=" ( token / quoted-string ) ] )` from `start` ends (RFC 9112 §7.1.1, without
    /// the optional whitespace, which llhttp refuses too); nil at a byte that cannot belong to it. The bytes
    /// may end before the extensions do.
    static func skipChunkExtensions(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < raw.count, raw[index] == UInt8(ascii: ";") {
            index += 1
            let name = index
            while index < raw.count, isTokenByte(raw[index]) { index += 1 }
            if index == raw.count { return index }
            guard index > name else { return nil }
            guard raw[index] == UInt8(ascii: "=") else { continue }
            index += 1
            if index < raw.count, raw[index] == UInt8(ascii: "\"") {
                index += 1
                while index < raw.count, raw[index] != UInt8(ascii: "\"") {
                    if raw[index] == UInt8(ascii: "\\") {
                        index += 1
                        if index == raw.count { return index }
                    }
                    guard isFieldByte(raw[index]) else { return nil }
                    index += 1
                }
                if index == raw.count { return index }
                index += 1
            } else {
                let value = index
                while index < raw.count, isTokenByte(raw[index]) { index += 1 }
                if index == raw.count { return index }
                guard index > value else { return nil }
            }
        }
        return index
    }

    /// The trailer section (its fields, then the empty line): nil when it has no field.
    private mutating func parseTrailers(length: Int, fields: Int) throws(Malformed) -> HTTPHeaders? {
        var bytes = buffered!
        let section = bytes.readSlice(length: length)!
        keep(bytes)
        guard length > 2 else { return nil }
        let parsed: Result<HTTPHeaders, Malformed> = section.withUnsafeReadableBytes { raw in
            var framing = ResponseFraming(active: false)
            do throws(Malformed) {
                return .success(try Self.parseFields(raw, from: 0, count: fields, framing: &framing))
            } catch {
                return .failure(error)
            }
        }
        switch parsed {
        case .failure(let error): throw error
        case .success(let trailers): return trailers
        }
    }

    // MARK: - Bytes

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte &- UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte &- UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// VCHAR, obs-text, SP or HTAB (RFC 9110 §5.5).
    static func isFieldByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == UInt8(ascii: "\t")
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
