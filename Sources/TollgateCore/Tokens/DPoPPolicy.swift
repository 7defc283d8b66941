/// What one issuer's DPoP proofs must satisfy, compiled once from its
/// `dpop:` section and `leeway`.
public struct DPoPPolicy: Sendable, Equatable {
    public let mode: DPoPConfig.Mode
    /// Allowed proof algorithms (asymmetric only), in configured order.
    public let algorithms: [JWSAlgorithm]
    public let maxAgeSeconds: Int64
    public let leewaySeconds: Int64
    public let replay: ReplayStoreLocation
    /// `algs="..."` of the `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1).
    public let challengeAlgorithms: String

    public init(
        mode: DPoPConfig.Mode = .optional,
        algorithms: [JWSAlgorithm] = DPoPConfig.defaultAlgorithms,
        maxAgeSeconds: Int64 = 60,
        leewaySeconds: Int64 = 30,
        replay: ReplayStoreLocation = .memory
    ) {
        self.mode = mode
        self.algorithms = algorithms.filter { !$0.isSymmetric }
        self.maxAgeSeconds = max(0, maxAgeSeconds)
        self.leewaySeconds = max(0, leewaySeconds)
        self.replay = replay
        challengeAlgorithms = self.algorithms.map(\.rawValue).joined(separator: " ")
    }

    public init(_ config: DPoPConfig, leeway: Duration) {
        self.init(
            mode: config.mode,
            algorithms: config.algorithms.map(\.value),
            maxAgeSeconds: config.maxAge.components.seconds,
            leewaySeconds: leeway.components.seconds,
            replay: config.replay.value
        )
    }

    /// Until when a proof issued at `issuedAt` is accepted, and so how long its `jti` must be remembered.
    public func acceptedUntil(issuedAt: Int64) -> Int64 {
        issuedAt + maxAgeSeconds + leewaySeconds
    }
}
