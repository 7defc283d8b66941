import NIOCore

extension Optional where Wrapped == ByteBuffer {
    /// For the bytes an HTTP/1.1 parser holds between reads (nil when none):
    /// up to `limit` of them from the front, as a slice of the read (no copy),
    /// or nil when none are held. What is left stays held, nil once empty.
    /// Both parsers' body states take their parts this way.
    mutating func takeBody(upTo limit: Int) -> ByteBuffer? {
        guard var bytes = self, bytes.readableBytes > 0 else { return nil }
        let body = bytes.readSlice(length: Swift.min(limit, bytes.readableBytes))!
        self = bytes.readableBytes > 0 ? bytes : nil
        return body
    }
}
