import Benchmark
import MicroFixtures
import TollgateCore

/// The scope check alone (`ScopeRequirement.isSatisfied`, and computing a
/// token's granted set, which verification does once per token), then the
/// whole per-request decision `GatewaySnapshot.decide` with a cached token:
/// path check, route match, token cache hit, scope check and the admission.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    // 257 scopes: the bitsets have two inline words and three overflow words.
    let universe = ScopeUniverse(config: GatewayFixture.config(routes: 0))
    let requirements = [
        setUp("an all-of requirement") {
            try ScopeRequirement(allOf: [GatewayFixture.apiScope(0), GatewayFixture.apiScope(130), GatewayFixture.apiScope(250)], anyOf: nil, in: universe)
        },
        setUp("an any-of requirement") {
            try ScopeRequirement(allOf: nil, anyOf: [GatewayFixture.apiScope(7), GatewayFixture.apiScope(200)], in: universe)
        },
    ]
    for count in [1, 20, 200] {
        let tokenScopes = GatewayFixture.tokenScopes(count)
        let granted = universe.granted(by: tokenScopes)
        precondition(requirements.allSatisfy { $0.isSatisfied(by: granted) })
        Benchmark("isSatisfied, token of \(count) scopes") { benchmark in
            var next = 0
            for _ in benchmark.scaledIterations {
                blackHole(requirements[next].isSatisfied(by: granted))
                next ^= 1
            }
        }
        Benchmark("granted(by:), token of \(count) scopes") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(universe.granted(by: tokenScopes))
            }
        }
    }

    let rsa = BenchmarkTokens.generate(.rsa, keyID: "rsa-2048")
    let keys = JWKSet(keys: [rsa.verificationKey])
    for (routes, scopes) in [(10, 20), (1_000, 20), (100_000, 20), (1_000, 1), (1_000, 200)] {
        let snapshot = setUp("compiling \(routes) routes") { try GatewaySnapshot(config: GatewayFixture.config(routes: routes)) }
        let state = VerificationState(snapshot: snapshot, keySets: [keys])
        let scope = GatewayFixture.tokenScopes(scopes).joined(separator: " ")
        let token = BenchmarkTokens.mint(rsa, claims: BenchmarkTokens.claims(scope: scope))
        let requests = GatewayFixture.requests(routes: routes, token: token)
        for facts in requests {
            guard case .forward = snapshot.decide(facts, state: state, now: BenchmarkTokens.now) else {
                fatalError("\(facts.method) \(facts.target) was not admitted")
            }
        }
        precondition(state.cache.count == 1, "the token is cached once")
        Benchmark("decide, cached token of \(scopes) scopes, \(routes) routes") { benchmark in
            var next = 0
            for _ in benchmark.scaledIterations {
                blackHole(snapshot.decide(requests[next], state: state, now: BenchmarkTokens.now))
                next = (next + 1) & 63
            }
        }
    }
}
