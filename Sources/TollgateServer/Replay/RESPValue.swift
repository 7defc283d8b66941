import NIOCore

/// A RESP2 reply (the Redis protocol), reduced to what the replay store reads.
enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// A bulk string; nil is the null reply (`$-1`).
    case bulkString([UInt8]?)
    /// Arrays are never asked for; one is read and reported as unexpected.
    case array(count: Int)
}

/// Splits the reply stream into `RESPValue`s.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// A reply line or bulk string longer than this is a protocol error (the store's replies are tiny).
    static let maxReplyBytes = 64 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try Self.read(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    /// One complete reply from the front of `buffer`, consumed; nil (nothing consumed) while incomplete.
    static func read(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var view = buffer
        guard let type = view.readInteger(as: UInt8.self) else { return nil }
        guard let line = readLine(&view) else {
            if view.readableBytes > maxReplyBytes { throw RESPError.protocolViolation("a reply line is too long") }
            return nil
        }
        let value: RESPValue
        switch type {
        case UInt8(ascii: "+"): value = .simpleString(line)
        case UInt8(ascii: "-"): value = .error(line)
        case UInt8(ascii: ":"):
            guard let number = Int64(line) else { throw RESPError.protocolViolation("an integer reply is not a number") }
            value = .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maxReplyBytes else {
                throw RESPError.protocolViolation("a bulk string has an invalid length")
            }
            if length == -1 {
                value = .bulkString(nil)
            } else {
                guard view.readableBytes >= length + 2, let bytes = view.readBytes(length: length) else { return nil }
                guard view.readInteger(as: UInt16.self) == 0x0D0A else { throw RESPError.protocolViolation("a bulk string is not terminated") }
                value = .bulkString(bytes)
            }
        case UInt8(ascii: "*"):
            guard let count = Int(line) else { throw RESPError.protocolViolation("an array has an invalid length") }
            value = .array(count: count)
        default:
            throw RESPError.protocolViolation("unknown reply type")
        }
        buffer = view
        return value
    }

    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\r")),
              end + 1 < buffer.writerIndex,
              buffer.getInteger(at: end + 1, as: UInt8.self) == UInt8(ascii: "\n")
        else { return nil }
        let line = buffer.readString(length: end - buffer.readerIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}

/// The reply stream broke the protocol; the connection is closed.
enum RESPError: Error, CustomStringConvertible {
    case protocolViolation(String)

    var description: String {
        switch self {
        case .protocolViolation(let problem): "Redis protocol violation: \(problem)"
        }
    }
}

extension ByteBuffer {
    /// Appends a command as a RESP array of bulk strings.
    mutating func writeRESPCommand(_ arguments: [[UInt8]]) {
        writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            writeString("$\(argument.count)\r\n")
            writeBytes(argument)
            writeString("\r\n")
        }
    }
}
