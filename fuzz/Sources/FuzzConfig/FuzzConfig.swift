import TollgateCore

/// libFuzzer entry point for the configuration loader: YAML text in
/// (`ConfigLoader.load`), then, for a config it accepts, the compiled snapshot
/// the gateway would serve. A config file is not attacker input in the usual
/// sense, but `check` is run on files under review, so no file may crash it.
/// Every refusal must name at least one problem with a readable message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let loaded = try ConfigLoader.load(yaml: yaml, file: "fuzz.yaml", fileExists: { _ in true })
        for warning in loaded.warnings { _ = warning.description }
        _ = try? GatewaySnapshot(config: loaded.config, file: "fuzz.yaml")
    } catch {
        guard !error.diagnostics.isEmpty else { fatalError("a config was refused without a reason") }
        for diagnostic in error.diagnostics where diagnostic.message.isEmpty {
            fatalError("an empty diagnostic at \(diagnostic.location)")
        }
    }
    return 0
}
