import Logging
import TollgateCore

/// Reads, validates and compiles a configuration file for `serve` and reloads.
enum ConfigFile {
    static func loadSnapshot(_ path: String, printWarningsTo logger: Logger) throws -> GatewaySnapshot {
        let text = try TextFile.contents(of: path)
        let loaded = try ConfigLoader.load(yaml: text, file: path, fileExists: TextFile.isRegularFile)
        for warning in loaded.warnings {
            logger.warning("\(warning)")
        }
        return try GatewaySnapshot(config: loaded.config)
    }
}
