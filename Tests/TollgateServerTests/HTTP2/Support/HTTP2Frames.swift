/// A tiny HTTP/2 frame encoder (RFC 9113 §4.1) for tests that must send what
/// no well-behaved client would: resets in bulk, endless CONTINUATIONs, PING floods.
enum HTTP2Frames {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum FrameType: UInt8 {
        case data = 0x0, headers = 0x1, rstStream = 0x3, settings = 0x4, ping = 0x6, goAway = 0x7
        case windowUpdate = 0x8, continuation = 0x9
    }

    enum Flag {
        static let endStream: UInt8 = 0x1
        static let ack: UInt8 = 0x1
        static let endHeaders: UInt8 = 0x4
    }

    /// RFC 9113 §7 error codes the tests look for.
    enum ErrorCode {
        static let noError: UInt32 = 0x0
        static let protocolError: UInt32 = 0x1
        static let cancel: UInt32 = 0x8
        static let refusedStream: UInt32 = 0x7
        static let enhanceYourCalm: UInt32 = 0xB
    }

    static func frame(_ type: FrameType, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(9 + payload.count)
        bytes += be(UInt32(payload.count), width: 3)
        bytes += [type.rawValue, flags]
        bytes += be(stream & 0x7FFF_FFFF, width: 4)
        return bytes + payload
    }

    /// The client preface and an empty SETTINGS frame.
    static var clientStart: [UInt8] { preface + settings() }

    static func settings(_ values: [(UInt16, UInt32)] = []) -> [UInt8] {
        frame(.settings, payload: values.flatMap { be(UInt32($0.0), width: 2) + be($0.1, width: 4) })
    }

    static var settingsAck: [UInt8] { frame(.settings, flags: Flag.ack) }

    static func headers(stream: UInt32, _ block: [UInt8], endStream: Bool = true, endHeaders: Bool = true) -> [UInt8] {
        frame(.headers, flags: (endStream ? Flag.endStream : 0) | (endHeaders ? Flag.endHeaders : 0), stream: stream, payload: block)
    }

    static func continuation(stream: UInt32, _ block: [UInt8], endHeaders: Bool) -> [UInt8] {
        frame(.continuation, flags: endHeaders ? Flag.endHeaders : 0, stream: stream, payload: block)
    }

    static func data(stream: UInt32, _ payload: [UInt8], endStream: Bool = false) -> [UInt8] {
        frame(.data, flags: endStream ? Flag.endStream : 0, stream: stream, payload: payload)
    }

    static func rstStream(stream: UInt32, code: UInt32 = ErrorCode.cancel) -> [UInt8] {
        frame(.rstStream, stream: stream, payload: be(code, width: 4))
    }

    static func ping(_ value: UInt64 = 0, ack: Bool = false) -> [UInt8] {
        frame(.ping, flags: ack ? Flag.ack : 0, payload: (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
    }

    static func windowUpdate(stream: UInt32, increment: UInt32) -> [UInt8] {
        frame(.windowUpdate, stream: stream, payload: be(increment & 0x7FFF_FFFF, width: 4))
    }

    /// A request's header block: every field a literal without indexing and
    /// without Huffman coding (RFC 7541 §6.2.2), so the bytes are predictable.
    static func requestBlock(method: String = "GET", path: String, authority: String = "api.test", _ fields: [(String, String)] = []) -> [UInt8] {
        let all = [(":method", method), (":scheme", "http"), (":path", path), (":authority", authority)] + fields
        return all.flatMap { literal($0.0, $0.1) }
    }

    static func literal(_ name: String, _ value: String) -> [UInt8] {
        [0x00] + string(name) + string(value)
    }

    private static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return integer(bytes.count, prefixBits: 7) + bytes
    }

    /// RFC 7541 §5.1 integer with an N-bit prefix (the flag bits of the first byte left zero).
    private static func integer(_ value: Int, prefixBits: Int) -> [UInt8] {
        let limit = (1 << prefixBits) - 1
        guard value >= limit else { return [UInt8(value)] }
        var bytes: [UInt8] = [UInt8(limit)]
        var rest = value - limit
        while rest >= 128 {
            bytes.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    static func be(_ value: UInt32, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - $0))) }
    }
}
