import TollgateCore

/// A TLS file named in the configuration that cannot be used. It names the
/// setting, the file and the reason, so a start or a reload that fails on it
/// tells the operator exactly what to fix (and a failed reload keeps the old
/// configuration).
public struct TLSFileError: Error, Sendable, CustomStringConvertible {
    /// The setting that names the file, as `check` prints it: `server.tls.certificate`,
    /// `upstream 'apps' ca_file`, `issuer 'eu' ca_file`.
    public var setting: String
    public var path: String
    /// Where the setting is written in the configuration file.
    public var location: SourceLocation
    public var reason: String

    public init(setting: String, path: String, location: SourceLocation, reason: String) {
        self.setting = setting
        self.path = path
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(setting): cannot use '\(path)': \(reason)" }

    /// The same problem as a diagnostic of the configuration file `file`.
    public func diagnostic(file: String) -> ConfigDiagnostic {
        ConfigDiagnostic(file: file, location: location, message: description)
    }
}
