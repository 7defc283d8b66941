import ArgumentParser

/// The `tollgate` command line: one subcommand per job an operator does.
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An OAuth 2.0 resource-server gateway.",
        subcommands: [ServeCommand.self, CheckCommand.self, RoutesCommand.self, ExplainCommand.self, DemoCommand.self, TokenCommand.self, DPoPProofCommand.self]
    )
}
