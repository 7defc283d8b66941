/// The small grammars that configuration values must follow (HTTP tokens, origins,
/// key-fetching URLs, environment variable names). Each check returns nil when the
/// value is fine, or the message `check` prints at the value.
enum ValueSyntax {
    /// RFC 9110 `token`: header names and methods.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    static func headerNameProblem(_ name: String) -> String? {
        isToken(name) ? nil : "'\(name)' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
    }

    static func methodProblem(_ method: String) -> String? {
        guard isToken(method) else { return "'\(method)' is not a valid HTTP method" }
        guard method.uppercased() == method else {
            return "'\(method)': HTTP methods are case-sensitive; write '\(method.uppercased())'"
        }
        return nil
    }

    /// `*`, `null`, `scheme://host[:port]`, or `scheme://*.domain[:port]`.
    static func originProblem(_ origin: String) -> String? {
        if origin == "*" || origin == "null" { return nil }
        let problem = "'\(origin)' is not an origin: write scheme://host[:port] (no path, no trailing '/'), 'https://*.example.com', '*' or 'null'"
        guard let separator = origin.range(of: "://") else { return problem }
        let scheme = origin[..<separator.lowerBound]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return problem }
        var authority = String(origin[separator.upperBound...])
        if authority.hasPrefix("*.") { authority.removeFirst(2) }
        let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
        guard (try? HostPort(parsing: hasPort ? authority : authority + ":0")) != nil else { return problem }
        return nil
    }

    /// `https://host[:port][/path]`, or `http://` to a loopback host only.
    static func fetchURLProblem(_ url: String) -> String? {
        let lowered = url.lowercased()
        let tls: Bool
        if lowered.hasPrefix("https://") {
            tls = true
        } else if lowered.hasPrefix("http://") {
            tls = false
        } else {
            return "'\(url)' is not an https:// URL"
        }
        let rest = url.drop(while: { $0 != "/" }).dropFirst(2)
        let authority = String(rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" }))
        guard !authority.contains("@") else { return "'\(url)': credentials do not belong in the URL" }
        let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
        guard let address = try? HostPort(parsing: hasPort ? authority : authority + ":1"), address.port != 0 else {
            return "'\(url)' does not have a valid host and port"
        }
        guard rest.allSatisfy({ !$0.isWhitespace }) else { return "'\(url)' contains whitespace" }
        if !tls && !address.isLoopback {
            return "'\(url)': plain http:// is allowed only to loopback hosts (127.0.0.0/8, ::1, localhost); use https://"
        }
        return nil
    }

    /// POSIX-style environment variable name.
    static func environmentNameProblem(_ name: String) -> String? {
        let valid = name.first.map { !$0.isNumber } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return valid ? nil : "'\(name)' is not an environment variable name (letters, digits, '_'; not starting with a digit)"
    }
}

extension ValueSyntax {
    /// RFC 6749 §3.3 `scope-token`: printable ASCII except space, `"` and `\`.
    static func scopeProblem(_ scope: String) -> String? {
        let valid = scope.unicodeScalars.allSatisfy { $0.value >= 0x21 && $0.value <= 0x7E && $0 != "\"" && $0 != "\\" }
        return valid ? nil : "'\(scope)' is not one scope (printable ASCII without spaces, '\"' or '\\')"
    }
}
