/// A set of HTTP methods as one machine word, so that "does this route allow
/// the request's method" and the 405 `Allow` union are a bit test and an OR.
///
/// The nine RFC 9110 / RFC 5789 methods have fixed bits; any other method token
/// a config names gets a bit from its `RouteTable`'s `MethodRegistry`, so a set
/// is meaningful only together with the table that produced it.
public struct MethodSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static let get = MethodSet(rawValue: 1 << 0)
    public static let head = MethodSet(rawValue: 1 << 1)
    public static let post = MethodSet(rawValue: 1 << 2)
    public static let put = MethodSet(rawValue: 1 << 3)
    public static let delete = MethodSet(rawValue: 1 << 4)
    public static let connect = MethodSet(rawValue: 1 << 5)
    public static let options = MethodSet(rawValue: 1 << 6)
    public static let trace = MethodSet(rawValue: 1 << 7)
    public static let patch = MethodSet(rawValue: 1 << 8)

    /// A route configured without `methods`: it allows every method, including
    /// tokens that no route names and that therefore have no bit of their own.
    public static let anyMethod = MethodSet(rawValue: 1 << 63)

    /// The standard methods in the order `Allow` lists them.
    static let standard: [(name: String, set: MethodSet)] = [
        ("GET", .get), ("HEAD", .head), ("POST", .post), ("PUT", .put), ("DELETE", .delete),
        ("CONNECT", .connect), ("OPTIONS", .options), ("TRACE", .trace), ("PATCH", .patch),
    ]

    /// The first bit handed to a non-standard method token.
    static let firstExtensionBit = standard.count
    /// How many non-standard method tokens one table can name: every bit that is
    /// neither standard nor `anyMethod`.
    public static let extensionCapacity = 63 - firstExtensionBit

    /// Whether a request whose method is `method` (one bit, or empty for a token no
    /// route names) is allowed by a route with this set.
    @inline(__always)
    func allows(_ method: MethodSet) -> Bool {
        rawValue & (method.rawValue | MethodSet.anyMethod.rawValue) != 0
    }

    /// The standard method's bit for `name` (case-sensitive, as RFC 9110 says), or nil.
    @inline(__always)
    static func standardMethod(named name: String) -> MethodSet? {
        switch name {
        case "GET": .get
        case "POST": .post
        case "HEAD": .head
        case "PUT": .put
        case "DELETE": .delete
        case "PATCH": .patch
        case "OPTIONS": .options
        case "CONNECT": .connect
        case "TRACE": .trace
        default: nil
        }
    }
}
