extension HostPort {
    /// Parses `host:port` (`127.0.0.1:8080`, `api.internal:443`, `[::1]:8080`).
    /// The port is 0–65535 (0 asks the system for a free one where that makes sense).
    public init(parsing text: String) throws(AddressParseError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalid(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { throw .missingPort(text) }
            portText = rest.dropFirst()
            guard !host.isEmpty, host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .invalidHost(text)
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.isEmpty, host.allSatisfy(Self.isHostNameCharacter) else {
                throw host.contains(":") ? .unbracketedIPv6(text) : .invalidHost(text)
            }
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
              let port = Int(portText), port <= 65_535
        else { throw .invalidPort(text) }
        self.init(host: host.lowercased(), port: port)
    }

    /// True for `localhost`, `127.0.0.0/8` and `::1`: the only hosts plain `http://` may name.
    public var isLoopback: Bool { Self.isLoopbackHost(host) }

    static func isLoopbackHost(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCIIDigit) && Int($0)! <= 255 }
    }

    private static func isHostNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "." || character == "_")
    }
}

extension UpstreamTarget {
    /// Parses `host:port` (plain HTTP), `http://host[:port]` or `https://host[:port]` (TLS);
    /// the port must not be 0 and there is no path.
    public init(parsing text: String) throws(AddressParseError) {
        let lowered = text.lowercased()
        let tls: Bool
        let authority: String
        if lowered.hasPrefix("https://") {
            tls = true
            authority = String(text.dropFirst("https://".count))
        } else if lowered.hasPrefix("http://") {
            tls = false
            authority = String(text.dropFirst("http://".count))
        } else if lowered.contains("://") {
            throw .unsupportedScheme(text)
        } else {
            self.init(tls: false, address: try HostPort(parsing: text))
            guard address.port != 0 else { throw .invalidPort(text) }
            return
        }
        guard !authority.contains("/"), !authority.contains("?"), !authority.contains("#") else { throw .pathNotAllowed(text) }
        let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
        let address: HostPort
        do {
            address = try HostPort(parsing: hasPort ? authority : authority + (tls ? ":443" : ":80"))
        } catch {
            throw error.reworded(for: text)
        }
        guard address.port != 0 else { throw .invalidPort(text) }
        self.init(tls: tls, address: address)
    }
}

/// Why a `host:port`, an upstream target or a URL is not usable; the description is what `check` prints.
public enum AddressParseError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    case missingPort(String)
    case invalidHost(String)
    case unbracketedIPv6(String)
    case invalidPort(String)
    case unsupportedScheme(String)
    case pathNotAllowed(String)

    public var description: String {
        switch self {
        case .invalid(let text): "'\(text)' is not host:port"
        case .missingPort(let text): "'\(text)' has no port: write host:port, like 127.0.0.1:8080"
        case .invalidHost(let text): "'\(text)' does not start with a valid host name or IP address"
        case .unbracketedIPv6(let text): "'\(text)': write an IPv6 address in brackets, like [::1]:8080"
        case .invalidPort(let text): "'\(text)' has an invalid port (1-65535, or 0 where a free port may be picked)"
        case .unsupportedScheme(let text): "'\(text)': only http:// and https:// targets are supported"
        case .pathNotAllowed(let text): "'\(text)': a target is scheme://host:port, without a path"
        }
    }

    func reworded(for text: String) -> AddressParseError {
        switch self {
        case .invalid: .invalid(text)
        case .missingPort: .missingPort(text)
        case .invalidHost: .invalidHost(text)
        case .unbracketedIPv6: .unbracketedIPv6(text)
        case .invalidPort: .invalidPort(text)
        case .unsupportedScheme: .unsupportedScheme(text)
        case .pathNotAllowed: .pathNotAllowed(text)
        }
    }
}
