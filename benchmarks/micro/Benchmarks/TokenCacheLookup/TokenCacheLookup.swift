import Benchmark
import MicroFixtures
import TollgateCore

/// The verified-token cache of one event loop, full at SPEC's default
/// `cache.tokens` of 100,000 distinct RS256-sized tokens: a hit (what a
/// repeated token costs instead of a verification), a miss, and inserting a new
/// token into the full cache (which evicts one).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    let capacity = 100_000
    let rsa = BenchmarkTokens.generate(.rsa, keyID: "rsa-2048")
    let keys = JWKSet(keys: [rsa.verificationKey])
    let model = BenchmarkTokens.mint(rsa, claims: BenchmarkTokens.claims(scope: BenchmarkTokens.typicalScope))
    let verified = setUp("verifying the model token") {
        try JWTVerifier(policy: BenchmarkTokens.policy, forwardedClaims: ["sub", "scope"]).verify(model, keys: keys, now: BenchmarkTokens.now)
    }
    let universe = ScopeUniverse(scopes: ["apps:read", "apps:write", "user_default"])
    let principal = Principal(
        token: verified,
        issuerIndex: 0,
        granted: universe.granted(by: verified.scopes),
        identityHeaders: zip(["X-Auth-Subject", "X-Auth-Scopes"], verified.forwardedClaims).compactMap { name, value in
            value.map { HeaderField(name: name, value: $0) }
        }
    )
    let tokens = (0..<capacity + 1_000).map { TokenVariants.token(like: model, number: $0) }
    let now = BenchmarkTokens.now

    /// A cache filled with the first `capacity` tokens.
    func fullCache() -> TokenCache<Principal> {
        let cache = TokenCache<Principal>(capacity: capacity)
        for token in tokens.prefix(capacity) {
            cache.insert(token, principal, keySet: keys, now: now)
        }
        precondition(cache.count == capacity)
        return cache
    }

    // Each lookup is of a fresh copy of the token, as a request's header is:
    // the key comparison reads both strings' bytes.
    let hits = (0..<4_096).map { TokenVariants.copy(tokens[($0 * 7_919) % capacity]) }
    let misses = (0..<4_096).map { TokenVariants.copy(tokens[capacity + $0 % 1_000]) }

    let hitCache = fullCache()
    for token in hits where hitCache.lookup(token[...], now: now, keySet: { _ in keys }) == nil {
        fatalError("a cached token missed")
    }
    Benchmark("hit, 100000 cached tokens") { benchmark in
        var next = 0
        for _ in benchmark.scaledIterations {
            blackHole(hitCache.lookup(hits[next][...], now: now, keySet: { _ in keys }))
            next = (next + 1) & 4_095
        }
    }

    let missCache = fullCache()
    Benchmark("miss, 100000 cached tokens") { benchmark in
        var next = 0
        for _ in benchmark.scaledIterations {
            blackHole(missCache.lookup(misses[next][...], now: now, keySet: { _ in keys }))
            next = (next + 1) & 4_095
        }
    }

    // Every insert evicts one entry (CLOCK) and the next sample's tokens are
    // new again: the pool of 1,000 + 100,000 tokens cycles through the cache.
    let insertCache = fullCache()
    Benchmark("insert with eviction, 100000 cached tokens") { benchmark in
        var next = capacity
        for _ in benchmark.scaledIterations {
            insertCache.insert(tokens[next], principal, keySet: keys, now: now)
            next = next + 1 == tokens.count ? 0 : next + 1
        }
    }
}
