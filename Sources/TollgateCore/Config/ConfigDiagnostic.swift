/// One problem (or warning) found in a configuration file, printed by `check`
/// and by a failed reload as `PATH:LINE:COLUMN: message`.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: Sendable, Hashable {
        case error
        case warning
    }

    public var file: String
    public var location: SourceLocation
    public var message: String
    public var severity: Severity

    public init(file: String, location: SourceLocation, message: String, severity: Severity = .error) {
        self.file = file
        self.location = location
        self.message = message
        self.severity = severity
    }

    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        if location == .unknown {
            return "\(file): \(prefix)\(message)"
        }
        return "\(file):\(location.line):\(location.column): \(prefix)\(message)"
    }
}

/// Thrown when a configuration cannot be used; carries every problem found,
/// sorted by position, not only the first.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
