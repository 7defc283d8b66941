import Foundation
import NIOCore
import NIOHPACK
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/2 client over a raw TCP socket to 127.0.0.1: it writes the
/// frames a test builds with `HTTP2Frames` and reads the gateway's frames one
/// by one, decoding response headers with NIO's HPACK decoder.
final class RawHTTP2Connection {
    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]

        func isType(_ frameType: HTTP2Frames.FrameType) -> Bool { type == frameType.rawValue }
        var endStream: Bool { flags & HTTP2Frames.Flag.endStream != 0 }

        /// The error code of a GOAWAY or RST_STREAM frame.
        var errorCode: UInt32? {
            let offset: Int
            if isType(.goAway) { offset = 4 } else if isType(.rstStream) { offset = 0 } else { return nil }
            guard payload.count >= offset + 4 else { return nil }
            return payload[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }

        /// The increment of a WINDOW_UPDATE frame.
        var windowIncrement: Int? {
            guard isType(.windowUpdate), payload.count == 4 else { return nil }
            return Int(payload.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF)
        }
    }

    /// One response as it arrived on a stream.
    struct Response {
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var ended = false
        var resetCode: UInt32?

        var status: Int? { header(":status").flatMap(Int.init) }
        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    private let fd: Int32
    private var pending: [UInt8] = []
    private var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
    private(set) var responses: [UInt32: Response] = [:]
    /// WINDOW_UPDATE increments received, by stream (0: the connection).
    private(set) var windowCredit: [UInt32: Int] = [:]
    private(set) var goAwayCode: UInt32?
    private(set) var peerClosed = false
    /// Whether a PING from the gateway is acknowledged (its graceful GOAWAY waits for one).
    var answersPings = true

    init(port: Int, receiveTimeout: Duration = .seconds(10)) throws {
        fd = try LoopbackSocket.connect(host: "127.0.0.1", port: port, receiveTimeout: receiveTimeout)
    }

    deinit {
        Glibc.close(fd)
    }

    func setReceiveTimeout(_ timeout: Duration) {
        LoopbackSocket.setReceiveTimeout(fd, timeout)
    }

    /// Sends `bytes`; false when the peer has closed (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// The preface and empty SETTINGS; reading the gateway's SETTINGS acknowledges them.
    func start() throws {
        send(HTTP2Frames.clientStart)
        guard let first = try readFrame(), first.isType(.settings) else {
            throw GatewayTestError("the gateway did not answer the preface with SETTINGS")
        }
    }

    /// The next frame, recorded (responses, window credit, GOAWAY); nil once the peer closed.
    func readFrame() throws -> Frame? {
        guard try fill(9) else { return nil }
        let length = Int(pending[0]) << 16 | Int(pending[1]) << 8 | Int(pending[2])
        guard try fill(9 + length) else { return nil }
        let stream = pending[5..<9].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
        let frame = Frame(type: pending[3], flags: pending[4], stream: stream, payload: Array(pending[9..<9 + length]))
        pending.removeFirst(9 + length)
        try record(frame)
        return frame
    }

    /// Reads frames until `done` holds; false when the peer closed or the read timed out first.
    func read(until done: () -> Bool) -> Bool {
        while !done() {
            guard (try? readFrame()) != nil else { return false }
        }
        return true
    }

    /// Reads (and records) everything until the peer closes; true when it did within the receive timeout.
    func readUntilClosed() -> Bool {
        while true {
            do {
                if try readFrame() == nil { return true }
            } catch {
                return peerClosed
            }
        }
    }

    private func record(_ frame: Frame) throws {
        switch HTTP2Frames.FrameType(rawValue: frame.type) {
        case .headers:
            var buffer = ByteBuffer(bytes: frame.payload)
            let headers = try decoder.decodeHeaders(from: &buffer)
            responses[frame.stream, default: Response()].headers += headers.map { ($0.name, $0.value) }
            if frame.endStream { responses[frame.stream, default: Response()].ended = true }
        case .data:
            responses[frame.stream, default: Response()].body += frame.payload
            if frame.endStream { responses[frame.stream, default: Response()].ended = true }
        case .rstStream:
            responses[frame.stream, default: Response()].resetCode = frame.errorCode
        case .settings where frame.flags & HTTP2Frames.Flag.ack == 0:
            send(HTTP2Frames.settingsAck)
        case .ping where frame.flags & HTTP2Frames.Flag.ack == 0 && answersPings:
            send(HTTP2Frames.frame(.ping, flags: HTTP2Frames.Flag.ack, payload: frame.payload))
        case .goAway:
            goAwayCode = frame.errorCode
        case .windowUpdate:
            windowCredit[frame.stream, default: 0] += frame.windowIncrement ?? 0
        default:
            break
        }
    }

    /// Makes `pending` hold at least `count` bytes; false at end of stream.
    private func fill(_ count: Int) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while pending.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received == 0 || (received < 0 && errno == ECONNRESET) {
                peerClosed = true
                return false
            }
            if received < 0 { throw GatewayTestError("recv failed (timeout?): errno \(errno)") }
            pending.append(contentsOf: chunk[..<received])
        }
        return true
    }
}
