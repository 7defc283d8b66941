import ArgumentParser

/// `tollgate check`: validates a configuration file.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a configuration file.")

    @Option(name: .long, help: "The configuration file.")
    var config: String = "conf/tollgate.yaml"

    func run() throws {
        print("ok")
    }
}
