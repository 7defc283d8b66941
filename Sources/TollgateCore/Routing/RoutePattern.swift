/// A route's path pattern, parsed once at config time: literal segments,
/// `{name}` (exactly one segment) and a trailing `/**` (zero or more segments).
public struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    /// One `/`-separated piece of a pattern.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case catchAll
    }

    /// The pattern as written.
    public let text: String
    public let segments: [Segment]

    public init(parsing text: String) throws(RoutePatternError) {
        guard text.first == "/" else { throw .notAbsolute }
        self.text = text
        if text == "/" {
            segments = []
            return
        }
        let pieces = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var parsed: [Segment] = []
        var names: Set<Substring> = []
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty { throw .emptySegment }
            if piece == "**" {
                guard index == pieces.count - 1 else { throw .catchAllNotLast }
                parsed.append(.catchAll)
            } else if piece.first == "{" || piece.last == "}" {
                guard piece.first == "{", piece.last == "}", piece.count > 2 else { throw .malformedParameter(String(piece)) }
                let name = piece.dropFirst().dropLast()
                guard name.allSatisfy(Self.isNameCharacter) else { throw .malformedParameter(String(piece)) }
                guard names.insert(name).inserted else { throw .duplicateParameter(String(name)) }
                parsed.append(.parameter(String(name)))
            } else if piece.contains("*") {
                throw .wildcardInLiteral(String(piece))
            } else {
                try Self.validateLiteral(piece)
                parsed.append(.literal(String(piece)))
            }
        }
        segments = parsed
    }

    /// Two patterns with the same shape match exactly the same paths
    /// (`/a/{id}` and `/a/{name}`); used to detect conflicting routes.
    public var shape: String {
        if segments.isEmpty { return "/" }
        return segments.map { segment -> String in
            switch segment {
            case .literal(let value): "/" + value
            case .parameter: "/{}"
            case .catchAll: "/**"
            }
        }.joined()
    }

    /// The leading literal segments as a path (`/api/v1` for `/api/v1/{id}/**`).
    public var literalPrefix: String {
        var prefix = ""
        for segment in segments {
            guard case .literal(let value) = segment else { break }
            prefix += "/" + value
        }
        return prefix
    }

    public var description: String { text }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
    }

    /// RFC 3986 `pchar`: unreserved, sub-delims but `;`, `:`, `@`, and well-formed
    /// `%XX`. Percent-encoded `/`, `\`, `.` and NUL, and `;` raw or encoded, are
    /// refused: `PathGuard` rejects them in requests, so such a route could never match.
    private static func validateLiteral(_ piece: Substring) throws(RoutePatternError) {
        if piece == "." || piece == ".." { throw .dotSegment }
        var bytes = piece.utf8.makeIterator()
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
                 UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                 UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "+"), UInt8(ascii: ","),
                 UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"):
                continue
            case UInt8(ascii: ";"):
                throw .semicolon(String(piece))
            case UInt8(ascii: "%"):
                guard let high = bytes.next(), let low = bytes.next(),
                      let value = hexValue(high).flatMap({ h in hexValue(low).map { h << 4 | $0 } })
                else { throw .invalidCharacter(String(piece)) }
                if value == 0x2F || value == 0x5C || value == 0x2E || value == 0 {
                    throw .forbiddenEncoding(String(piece))
                }
                if value == 0x3B { throw .semicolon(String(piece)) }
            default:
                throw .invalidCharacter(String(piece))
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a route's `path` is not a valid pattern; the message is what `check` prints.
public enum RoutePatternError: Error, Sendable, Hashable, CustomStringConvertible {
    case notAbsolute
    case emptySegment
    case catchAllNotLast
    case malformedParameter(String)
    case duplicateParameter(String)
    case wildcardInLiteral(String)
    case dotSegment
    case invalidCharacter(String)
    case forbiddenEncoding(String)
    case semicolon(String)

    public var description: String {
        switch self {
        case .notAbsolute: "a route path must start with '/'"
        case .emptySegment: "a route path must not contain an empty segment ('//' or a trailing '/')"
        case .catchAllNotLast: "'/**' is allowed only as the last segment"
        case .malformedParameter(let piece): "'\(piece)' is not a parameter: write '{name}' as a whole segment (letters, digits, '_', '-')"
        case .duplicateParameter(let name): "parameter '{\(name)}' appears twice"
        case .wildcardInLiteral(let piece): "'\(piece)': use '{name}' for one segment or a trailing '/**' for any number"
        case .dotSegment: "a route path must not contain '.' or '..' segments"
        case .invalidCharacter(let piece): "'\(piece)' has a character that is not allowed in a path segment"
        case .forbiddenEncoding(let piece): "'\(piece)' encodes '/', '\\', '.' or NUL, which requests may never contain"
        case .semicolon(let piece): "'\(piece)' contains ';' (raw or %3B), which requests may never contain"
        }
    }
}
