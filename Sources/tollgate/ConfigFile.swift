import ArgumentParser
import Foundation
import Logging
import TollgateCore

/// Reads, validates and compiles a configuration file for `serve`, reloads and `routes`.
enum ConfigFile {
    /// The compiled snapshot of the file at `path` and the warnings its
    /// validation produced. Throws `TextFile.ReadError` when the file cannot
    /// be read and `ConfigError` (every problem) when it is not a usable config.
    /// A reload passes the running snapshot's DPoP replay store, so that no proof can be replayed across it.
    static func load(_ path: String, replayStore: MemoryReplayStore? = nil) throws -> (snapshot: GatewaySnapshot, warnings: [ConfigDiagnostic]) {
        let text = try TextFile.contents(of: path)
        let loaded = try ConfigLoader.load(yaml: text, file: path, fileExists: TextFile.isRegularFile)
        return (try GatewaySnapshot(config: loaded.config, file: path, replayStore: replayStore), loaded.warnings)
    }

    /// For the commands that only read a config (`routes`, `explain`): its
    /// problems printed like `check` and exit 1; warnings and an unreadable
    /// file on standard error.
    static func loadForCommand(_ path: String) throws -> GatewaySnapshot {
        do {
            let loaded = try load(path)
            for warning in loaded.warnings { printError("\(warning)") }
            return loaded.snapshot
        } catch let error as ConfigError {
            for diagnostic in error.diagnostics { print(diagnostic) }
            throw ExitCode(1)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data("tollgate: \(line)\n".utf8))
    }

    static func loadSnapshot(_ path: String, printWarningsTo logger: Logger, replayStore: MemoryReplayStore? = nil) throws -> GatewaySnapshot {
        let loaded = try load(path, replayStore: replayStore)
        for warning in loaded.warnings {
            logger.warning("\(warning)")
        }
        return loaded.snapshot
    }
}
