import Testing
import TollgateCore

/// Loads YAML text as `check` would, with a fixed set of files that "exist".
enum ConfigFixtures {
    static let file = "test.yaml"

    /// The smallest valid configuration (with `cors` so that there is no warning).
    static let minimal = """
        server:
          listen: 127.0.0.1:8080
        cors: {}

        """

    static func load(_ yaml: String, existing files: Set<String> = []) throws(ConfigError) -> LoadedConfig {
        try ConfigLoader.load(yaml: yaml, file: file, fileExists: files.contains)
    }

    /// Every error in `yaml` (empty when it loads).
    static func errors(_ yaml: String, existing files: Set<String> = []) -> [ConfigDiagnostic] {
        do {
            _ = try load(yaml, existing: files)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// `yaml` has exactly one error, at `line`:`column`, whose message contains `text`.
    static func expectError(
        _ yaml: String, at line: Int, _ column: Int, containing text: String, existing files: Set<String> = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let found = errors(yaml, existing: files)
        #expect(found.count == 1, "expected one error, got: \(found.map(\.description))", sourceLocation: sourceLocation)
        guard let first = found.first else { return }
        #expect(first.location == TollgateCore.SourceLocation(line: line, column: column), "\(first)", sourceLocation: sourceLocation)
        #expect(first.message.contains(text), "\(first)", sourceLocation: sourceLocation)
        #expect(first.description.hasPrefix("\(file):\(line):\(column): "), sourceLocation: sourceLocation)
    }
}
