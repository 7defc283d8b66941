/// The configuration front end: YAML text in, a typed and validated `GatewayConfig`
/// out, or every problem in the file at once. Pure: the caller reads the file and
/// says which named files exist.
public enum ConfigLoader {
    /// Parses, types and validates `yaml`.
    /// - Parameters:
    ///   - file: the path as the user wrote it, used in every diagnostic.
    ///   - fileExists: whether a file the config names (`jwks_file`, TLS files) exists.
    /// - Throws: `ConfigError` with every error, sorted by line and column.
    public static func load(yaml: String, file: String, fileExists: (String) -> Bool) throws(ConfigError) -> LoadedConfig {
        let document = YAMLDocument(yaml: yaml)
        var reader = ConfigReader(file: file, skippedKeys: document.skippedKeys)
        for problem in document.problems {
            reader.error(problem.message, at: problem.location)
        }
        let readable = document.root != nil || document.problems.isEmpty
        let config = readable ? reader.readConfig(root: document.root) : nil
        var diagnostics = reader.diagnostics
        if let config {
            diagnostics += ConfigValidator.problems(in: config, file: file, fileExists: fileExists)
        }
        let ordered = diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
        let errors = ordered.filter { $0.severity == .error }
        guard errors.isEmpty, let config else { throw ConfigError(diagnostics: errors) }
        return LoadedConfig(config: config, warnings: ordered.filter { $0.severity == .warning })
    }
}

/// A configuration that passed every check, with the warnings `check` still prints.
public struct LoadedConfig: Sendable, Equatable {
    public var config: GatewayConfig
    public var warnings: [ConfigDiagnostic]

    public init(config: GatewayConfig, warnings: [ConfigDiagnostic]) {
        self.config = config
        self.warnings = warnings
    }
}
