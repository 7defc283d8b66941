import ArgumentParser
import Foundation
import TollgateCore
import TollgateServer

/// `tollgate check`: validates a configuration file and reports every problem in it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file.",
        discussion: """
            Prints 'ok' (after any warnings) and exits 0 when the configuration is usable. \
            Otherwise prints every problem on standard output, one per line as \
            PATH:LINE:COLUMN: message, sorted by position, and exits 1. A file that cannot \
            be read is one line on standard error and exit 1. Relative paths inside the \
            configuration (jwks_file, TLS files) are resolved against the working directory; \
            TLS files are read and must hold usable PEM certificates and keys.
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = "conf/tollgate.yaml"

    func run() throws {
        let text: String
        do {
            text = try TextFile.contents(of: config)
        } catch {
            FileHandle.standardError.write(Data("tollgate: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(yaml: text, file: config, fileExists: TextFile.isRegularFile)
        } catch {
            for diagnostic in error.diagnostics { print(diagnostic) }
            throw ExitCode(1)
        }
        for warning in loaded.warnings { print(warning) }
        let tlsProblems = TLSFileCheck.problems(in: loaded.config)
        for problem in tlsProblems { print(problem.diagnostic(file: config)) }
        guard tlsProblems.isEmpty else { throw ExitCode(1) }
        print("ok")
    }
}
