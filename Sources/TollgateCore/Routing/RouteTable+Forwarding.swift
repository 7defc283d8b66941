extension RouteTable {
    /// The path to send upstream for a request routed to entry `index`: the
    /// request's path as received, less the entry's `strip_prefix` segments.
    /// The result always starts with `/` (`/api` stripped from `/api` is `/`),
    /// and the query (`target.query`) is appended unchanged by the caller.
    ///
    /// A path that does not start with the prefix (it cannot, if `index` came
    /// from `lookup` for this target) is returned unchanged. Allocates nothing.
    public func forwardPath(for index: Int, target: RequestTarget) -> Substring {
        let labels = stripSegments[index]
        guard !labels.isEmpty else { return target.path }
        var raw = target.raw
        let cut: Int? = raw.withUTF8 { bytes in
            var cursor = 0
            for label in labels {
                guard cursor < target.pathLength else { return nil }
                let start = cursor + 1
                var stop = start
                while stop < target.pathLength, bytes[stop] != UInt8(ascii: "/") { stop += 1 }
                guard Self.decoded(bytes, start..<stop, equals: label) else { return nil }
                cursor = stop
            }
            return cursor
        }
        guard let cut else { return target.path }
        if cut == target.pathLength { return "/"[...] }
        let utf8 = target.raw.utf8
        return target.raw[utf8.index(utf8.startIndex, offsetBy: cut)..<utf8.index(utf8.startIndex, offsetBy: target.pathLength)]
    }

    private static func decoded(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, equals label: [UInt8]) -> Bool {
        var decoded = PercentDecodedBytes(bytes, range)
        var position = 0
        while let byte = decoded.next() {
            guard position < label.count, label[position] == byte else { return false }
            position += 1
        }
        return position == label.count
    }
}
