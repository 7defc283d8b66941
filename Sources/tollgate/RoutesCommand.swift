import ArgumentParser
import TollgateCore

/// `tollgate routes`: prints the compiled route table in match-priority order
/// and which token scopes satisfy each route, so operators can see what a
/// configuration will do before serving it.
struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "Print the compiled route table in match-priority order.",
        discussion: """
            One route a line: name, host (* for any), path pattern, methods (* for any; HEAD \
            wherever GET is), upstream, auth, scopes as configured, issuers, strip_prefix. Then, \
            for each route requiring scopes, the token scopes that satisfy it once scopes.implies \
            is applied. Warnings go to standard error. An invalid configuration prints its \
            problems like 'check' and exits 1; a file that cannot be read is one line on \
            standard error and exit 1.
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = "conf/tollgate.yaml"

    func run() throws {
        let snapshot = try ConfigFile.loadForCommand(config)
        do {
            for line in try RouteListing(snapshot: snapshot).lines { print(line) }
        } catch {
            ConfigFile.printError("\(config): \(error)")
            throw ExitCode(1)
        }
    }
}
