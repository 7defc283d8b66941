/// A request target that `PathGuard` accepted, split into path and query
/// without copying. Only `PathGuard` makes one, so holding one proves the path
/// is safe to route and to forward as it is.
public struct RequestTarget: Sendable, Hashable {
    /// The request target exactly as the client sent it.
    public let raw: String
    /// The length in UTF-8 bytes of the path, which ends at the first `?`.
    let pathLength: Int

    init(raw: String, pathLength: Int) {
        self.raw = raw
        self.pathLength = pathLength
    }

    /// The path, from the leading `/` up to (not including) the first `?`.
    public var path: Substring {
        raw[..<raw.utf8.index(raw.utf8.startIndex, offsetBy: pathLength)]
    }

    /// What follows the first `?` (possibly empty), or nil when there is no `?`.
    /// It plays no part in routing and is forwarded unchanged.
    public var query: Substring? {
        let utf8 = raw.utf8
        guard pathLength < utf8.count else { return nil }
        return raw[utf8.index(utf8.startIndex, offsetBy: pathLength + 1)...]
    }
}
