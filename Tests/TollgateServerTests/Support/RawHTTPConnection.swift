import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection to 127.0.0.1 that sends exactly the bytes a test
/// writes and parses responses minimally, so tests control framing byte by
/// byte (pipelining, malformed requests, keep-alive on one socket).
final class RawHTTPConnection {
    private let fd: Int32
    private var pending: [UInt8] = []
    private(set) var peerClosed = false

    init(host: String = "127.0.0.1", port: Int, receiveTimeout: Duration = .seconds(10)) throws {
        fd = try LoopbackSocket.connect(host: host, port: port, receiveTimeout: receiveTimeout)
    }

    deinit {
        Glibc.close(fd)
    }

    func setReceiveTimeout(_ timeout: Duration) {
        LoopbackSocket.setReceiveTimeout(fd, timeout)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send($0) }
    }

    func send(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let sent = Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            guard sent > 0 else { throw GatewayTestError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Half-closes the sending side.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads one response. `bodySink`, when given, receives the body instead of `RawResponse.body`.
    func readResponse(forHead: Bool = false, bodySink: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> RawResponse {
        let headEnd = try readUntil([13, 10, 13, 10])
        let headText = String(decoding: pending[..<headEnd], as: UTF8.self)
        pending.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let statusParts = statusLine.split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw GatewayTestError("bad status line: \(statusLine)")
        }
        let headers: [(String, String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        var body: [UInt8] = []
        let sink = bodySink ?? { body.append(contentsOf: $0) }
        if forHead || status / 100 == 1 || status == 204 || status == 304 {
            return response
        }
        if let length = response.header("content-length").flatMap(Int.init) {
            try readExactly(length, into: sink)
        } else if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            while true {
                let lineEnd = try readUntil([13, 10])
                let sizeText = String(decoding: pending[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                pending.removeFirst(lineEnd + 2)
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw GatewayTestError("bad chunk size \(sizeText)")
                }
                if size == 0 {
                    let trailerEnd = try readUntil([13, 10])
                    pending.removeFirst(trailerEnd + 2)
                    break
                }
                try readExactly(size, into: sink)
                let crlf = try readUntil([13, 10])
                pending.removeFirst(crlf + 2)
            }
        } else {
            while try fill() {}
            pending.withUnsafeBytes { sink($0) }
            pending.removeAll()
        }
        response.body = body
        return response
    }

    /// True when the peer closes the connection within `timeout` (reading and discarding anything before).
    func waitForClose(timeout: Duration = .seconds(10)) -> Bool {
        setReceiveTimeout(timeout)
        pending.removeAll()
        while true {
            do {
                if try !fill() { return true }
                pending.removeAll()
            } catch {
                return peerClosed
            }
        }
    }

    /// One CRLF-terminated line, without the CRLF (a line protocol's reply, as Redis sends).
    func readLine() throws -> String {
        let end = try readUntil(Array("\r\n".utf8))
        let line = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeFirst(end + 2)
        return line
    }

    /// Exactly `count` bytes (a WebSocket frame after a 101, say).
    func read(count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        try readExactly(count) { bytes.append(contentsOf: $0) }
        return bytes
    }

    private func readExactly(_ count: Int, into sink: (UnsafeRawBufferPointer) -> Void) throws {
        var remaining = count
        while remaining > 0 {
            if pending.isEmpty, try !fill() { throw GatewayTestError("connection closed with \(remaining) body bytes missing") }
            let take = min(remaining, pending.count)
            pending.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[..<take])) }
            pending.removeFirst(take)
            remaining -= take
        }
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if pending.count >= marker.count {
                var index = searchFrom
                while index + marker.count <= pending.count {
                    if pending[index] == marker[0], Array(pending[index..<index + marker.count]) == marker { return index }
                    index += 1
                }
                searchFrom = max(0, pending.count - marker.count + 1)
            }
            guard try fill() else { throw GatewayTestError("connection closed before a complete response head") }
        }
    }

    /// Reads more bytes; false at end of stream.
    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 {
            peerClosed = true
            return false
        }
        if count < 0 {
            if errno == ECONNRESET {
                peerClosed = true
                return false
            }
            throw GatewayTestError("recv failed (timeout?): errno \(errno)")
        }
        pending.append(contentsOf: chunk[..<count])
        return true
    }
}

/// One HTTP response as read off the wire.
struct RawResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    func headers(named name: String) -> [String] {
        headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}

extension RawHTTPConnection {
    /// One request and its response on a new connection.
    static func exchange(host: String = "127.0.0.1", port: Int, _ request: String) throws -> RawResponse {
        let connection = try RawHTTPConnection(host: host, port: port)
        try connection.send(request)
        return try connection.readResponse()
    }
}
