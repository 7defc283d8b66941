/// Why `HTTP1RequestParser` stopped reading a client connection's requests:
/// the proxy handler answers `headTooLarge` with 431 and the others with 400
/// `invalid_request`, then closes. `description` is the reason a user reads
/// in the answer's `error_description`.
struct HTTP1RequestError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// The bytes are not an HTTP/1.1 request as the parser accepts it.
        case malformed
        /// The head (request line, fields and line ends) is longer than the parser's bound.
        case headTooLarge
        /// The connection's input ended inside a request.
        case cutShort
    }

    let kind: Kind
    let reason: String

    var description: String { reason }

    static func malformed(_ reason: String) -> HTTP1RequestError {
        HTTP1RequestError(kind: .malformed, reason: reason)
    }
}
