/// A route's `host`: an exact name, or `*.example.com` (one or more labels
/// before the suffix). Stored lower case; compared without the port.
public enum HostPattern: Sendable, Hashable, CustomStringConvertible {
    case exact(String)
    /// The suffix including its leading dot: `.example.com`.
    case wildcard(suffix: String)

    public init(parsing text: String) throws(HostPatternError) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("*.") {
            let suffix = String(lowered.dropFirst(1))
            try Self.validateName(String(suffix.dropFirst()), original: text)
            self = .wildcard(suffix: suffix)
        } else {
            try Self.validateName(lowered, original: text)
            self = .exact(lowered)
        }
    }

    public var description: String {
        switch self {
        case .exact(let host): host
        case .wildcard(let suffix): "*" + suffix
        }
    }

    private static func validateName(_ name: String, original: String) throws(HostPatternError) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, labels.allSatisfy({ !$0.isEmpty }) else { throw .invalid(original) }
        for label in labels {
            for byte in label.utf8 {
                let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                guard ok else { throw .invalid(original) }
            }
        }
    }
}

/// Why a route's `host` is not usable.
public enum HostPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let text): "'\(text)' is not a host name or '*.domain' pattern (no port, no scheme)"
        }
    }
}
