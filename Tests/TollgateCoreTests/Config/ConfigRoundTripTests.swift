import Testing
import TollgateCore

/// Property: any valid configuration, written as YAML, loads back as the same model.
@Suite struct ConfigRoundTripTests {
    @Test func randomValidConfigsRoundTripThroughYAML() throws {
        for seed in UInt64(1)...300 {
            var generator = RandomConfigGenerator(seed: seed)
            let config = generator.config()
            let yaml = ConfigYAMLRenderer.render(config)
            let loaded: LoadedConfig
            do {
                loaded = try ConfigLoader.load(yaml: yaml, file: "seed-\(seed).yaml", fileExists: { _ in true })
            } catch {
                Issue.record("seed \(seed) did not load:\n\(error)\n\(yaml)")
                continue
            }
            #expect(loaded.config.erasingEntryLocations() == config, "seed \(seed):\n\(yaml)")
            #expect(loaded.warnings.count == (config.cors == nil ? 1 : 0), "seed \(seed)")
        }
    }

    @Test func rendererForms() {
        #expect(ConfigYAMLRenderer.duration(.milliseconds(1500)) == "1.5s")
        #expect(ConfigYAMLRenderer.duration(.seconds(7200)) == "2h")
        #expect(ConfigYAMLRenderer.size(3 << 20) == "3MiB")
        #expect(ConfigYAMLRenderer.quoted("a\"b\\") == "\"a\\\"b\\\\\"")
    }
}

extension GatewayConfig {
    /// The same configuration with the entry positions (issuers, routes, CORS sections)
    /// cleared: `Located` values already compare without theirs.
    func erasingEntryLocations() -> GatewayConfig {
        var copy = self
        copy.issuers = issuers.map { issuer in
            var issuer = issuer
            issuer.location = .unknown
            return issuer
        }
        copy.cors?.location = .unknown
        copy.routes = routes.map { route in
            var route = route
            route.location = .unknown
            route.cors?.location = .unknown
            return route
        }
        return copy
    }
}
