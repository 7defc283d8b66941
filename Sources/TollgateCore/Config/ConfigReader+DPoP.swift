import Yams

/// `issuers[].dpop:`: proof mode, algorithms (asymmetric only), age and replay store.
extension ConfigReader {
    mutating func readDPoP(_ node: Node, path: String, anchor: SourceLocation) -> DPoPConfig? {
        guard let map = mapping(node, path: path, anchor: anchor, keys: ["mode", "algorithms", "max_age", "replay"]) else { return nil }
        var dpop = DPoPConfig(location: anchor)
        if let mode = map["mode"].flatMap({ choice($0, map.path("mode"), [DPoPConfig.Mode.optional, .required]) }) {
            dpop.mode = mode.value
        }
        if let node = map["algorithms"], let algorithms = readProofAlgorithms(node, map.path("algorithms")) {
            dpop.algorithms = algorithms
        }
        if let value = map["max_age"].flatMap({ duration($0, map.path("max_age")) }) { dpop.maxAge = value }
        if let node = map["replay"], let text = string(node, map.path("replay")) {
            do {
                dpop.replay = Located(try ReplayStoreLocation(parsing: text.value), at: text.location)
            } catch {
                self.error("\(map.path("replay")): \(error)", at: text.location)
            }
        }
        return dpop
    }

    /// Proof algorithms: known JWS algorithms with a public key (never HS*, never none).
    private mutating func readProofAlgorithms(_ node: Node, _ path: String) -> [Located<JWSAlgorithm>]? {
        let supported = JWSAlgorithm.allCases.filter { !$0.isSymmetric }.map(\.rawValue).joined(separator: ", ")
        guard let names = strings(node, path, nonEmpty: "must list at least one algorithm", problem: { name in
            if name.lowercased() == "none" { return "'\(name)' is never accepted: a proof must be signed" }
            guard let algorithm = JWSAlgorithm(rawValue: name) else { return "unknown algorithm '\(name)' (supported: \(supported))" }
            return algorithm.isSymmetric
                ? "'\(name)' is symmetric: a DPoP proof is signed with the client's private key (supported: \(supported))"
                : nil
        }) else { return nil }
        return names.compactMap { name in JWSAlgorithm(rawValue: name.value).map { Located($0, at: name.location) } }
    }
}
