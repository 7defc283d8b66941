/// Why `PathGuard` refused a request target: the gateway answers 400
/// `invalid_request` with `description` as the `error_description`.
public struct PathRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong with the request target.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// Not origin-form: absolute-form (`http://host/path`), `*`, or anything
        /// else that does not start with `/`.
        case notOriginForm
        /// A `.` or `..` segment, raw or percent-encoded in any case.
        case dotSegment
        /// A `;`, raw or `%3B`: matrix parameters, which some upstreams strip
        /// (`/admin;x/secret` served as `/admin/secret`).
        case semicolon
        /// `%2F`: an encoded `/` would let the upstream see another path.
        case encodedSlash
        /// `%5C`: an encoded `\`.
        case encodedBackslash
        /// A raw `\`, which some servers treat as `/`.
        case backslash
        /// NUL, raw or `%00`.
        case nul
        /// A `%` not followed by two hexadecimal digits.
        case malformedPercentEncoding
        /// A control character (U+0000–U+001F, U+007F) sent raw.
        case controlCharacter
        /// A byte of 0x80 or above in the path: it must be percent-encoded.
        case nonASCII
        /// A raw space.
        case space
        /// A `#`: a fragment is never part of a request target.
        case fragment

        public var description: String {
            switch self {
            case .notOriginForm: "the request target must be a path starting with '/' (absolute-form and '*' are not accepted)"
            case .dotSegment: "the path contains a '.' or '..' segment (possibly percent-encoded)"
            case .semicolon: "the path contains a ';' (raw or %3B); path parameters are refused because some servers strip them and would serve another path"
            case .encodedSlash: "the path contains an encoded '/' (%2F)"
            case .encodedBackslash: "the path contains an encoded '\\' (%5C)"
            case .backslash: "the path contains a '\\'"
            case .nul: "the request target contains a NUL byte (raw or %00)"
            case .malformedPercentEncoding: "the path contains a '%' that is not followed by two hexadecimal digits"
            case .controlCharacter: "the request target contains a control character"
            case .nonASCII: "the path contains a byte outside ASCII; it must be percent-encoded"
            case .space: "the request target contains a space"
            case .fragment: "the request target contains '#'; a fragment is never sent to a server"
            }
        }
    }

    public let reason: Reason
    /// The 0-based UTF-8 byte offset in the request target where the problem starts.
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason) (at byte \(offset))" }
}
