import Testing
import TollgateCore

@Suite("DPoP: configuration (issuers[].dpop, server.public_origin, server.tls.client_ca)")
struct DPoPConfigTests {
    typealias F = ConfigFixtures

    static func issuer(_ dpop: String) -> String {
        F.minimal + "issuers:\n  - name: i\n    issuer: https://i\n    audiences: [a]\n    jwks_uri: https://i/jwks\n    dpop:\n" + dpop
    }

    @Test("every key read; an issuer without dpop gets the defaults")
    func readsEverything() throws {
        let yaml = Self.issuer("      mode: required\n      algorithms: [EdDSA, ES256]\n      max_age: 2m\n      replay: redis://127.0.0.1:6380/2\n")
            + "  - {name: j, issuer: https://j, audiences: [a], jwks_uri: https://j/jwks}\ncache: {dpop_jtis: 5}\n"
        let config = try F.load(yaml).config
        let dpop = config.issuers[0].dpop
        #expect(dpop.mode == .required)
        #expect(dpop.algorithms.map(\.value) == [.edDSA, .es256])
        #expect(dpop.maxAge == .seconds(120))
        #expect(dpop.replay.value == .redis(RedisAddress(address: HostPort(host: "127.0.0.1", port: 6380), database: 2)))
        #expect(config.issuers[1].dpop == DPoPConfig())
        #expect(config.cache.dpopJTIs == 5)
        let policy = DPoPPolicy(dpop, leeway: .seconds(30))
        #expect(policy.challengeAlgorithms == "EdDSA ES256")
        #expect(policy.acceptedUntil(issuedAt: 1_000) == 1_150)
    }

    @Test("cache.dpop_keys: 4096 by default, any count from 0 (no proof-key cache) up")
    func proofKeyBound() throws {
        #expect(try F.load(F.minimal).config.cache.dpopKeys == DPoPKeyCache.defaultCapacity)
        #expect(DPoPKeyCache.defaultCapacity == 4096)
        #expect(try F.load(F.minimal + "cache:\n  dpop_keys: 0\n").config.cache.dpopKeys == 0)
        #expect(try F.load(F.minimal + "cache: {tokens: 5, dpop_keys: 12}\n").config.cache.dpopKeys == 12)
    }

    @Test("cache.dpop_keys: negative or not an integer is an error at its line and column")
    func proofKeyBoundErrors() {
        let cases: [(String, Int, String)] = [
            ("-1", 14, "found -1"), ("many", 14, "found 'many'"), ("1.5", 14, "found '1.5'"), ("1e3", 14, "found '1e3'"),
            ("[1]", 14, "found a list"), ("", 13, "found nothing (null)"),
        ]
        for (value, column, found) in cases {
            F.expectError(
                F.minimal + "cache:\n  dpop_keys: \(value)\n", at: 5, column,
                containing: "cache.dpop_keys: expected zero or a positive integer, \(found)"
            )
        }
        F.expectError(F.minimal + "cache:\n  dpop_key: 5\n", at: 5, 3, containing: "unknown key in cache: 'dpop_key'")
    }

    @Test("replay: memory, and redis:// with default port and database")
    func replayLocations() throws {
        #expect(try ReplayStoreLocation(parsing: "memory") == .memory)
        #expect(try ReplayStoreLocation(parsing: "redis://cache.internal") == .redis(RedisAddress(address: HostPort(host: "cache.internal", port: 6379))))
        #expect(try ReplayStoreLocation(parsing: "redis://[::1]:7000/") == .redis(RedisAddress(address: HostPort(host: "::1", port: 7000))))
        for bad in ["Memory", "rediss://h:1", "redis://", "redis://user:pw@h:1/0", "redis://h:0", "redis://h:1/x", "redis://h:99999/0"] {
            #expect(throws: ReplayLocationError.self, "\(bad)") { try ReplayStoreLocation(parsing: bad) }
        }
    }

    @Test("a symmetric proof algorithm is an error at its position")
    func symmetricAlgorithm() {
        F.expectError(Self.issuer("      algorithms: [ES256, HS256]\n"), at: 10, 27, containing: "issuers[0].dpop.algorithms[1]: 'HS256' is symmetric")
        F.expectError(Self.issuer("      algorithms: [none]\n"), at: 10, 20, containing: "'none' is never accepted")
        F.expectError(Self.issuer("      algorithms: []\n"), at: 10, 19, containing: "must list at least one algorithm")
    }

    @Test("unknown mode, unknown key, bad max_age, bad replay: errors with their line and column")
    func otherErrors() {
        F.expectError(Self.issuer("      mode: always\n"), at: 10, 13, containing: "issuers[0].dpop.mode: expected one of optional, required")
        F.expectError(Self.issuer("      modes: required\n"), at: 10, 7, containing: "unknown key in issuers[0].dpop: 'modes'")
        F.expectError(Self.issuer("      max_age: 0s\n"), at: 10, 16, containing: "issuers[0].dpop.max_age: must be longer than zero")
        F.expectError(Self.issuer("      replay: redis://h:1/x\n"), at: 10, 15, containing: "issuers[0].dpop.replay: 'redis://h:1/x' database must be a number")
        F.expectError(Self.issuer("      replay: disk\n"), at: 10, 15, containing: "expected 'memory' or redis://host:port/db")
    }

    @Test("public_origin is normalised; a path or another scheme is an error")
    func publicOrigin() throws {
        let good = "server:\n  listen: 127.0.0.1:8080\n  public_origin: HTTPS://API.example.com:443\ncors: {}\n"
        #expect(try F.load(good).config.server.publicOrigin?.value == "https://api.example.com")
        let bad = "server:\n  listen: 127.0.0.1:8080\n  public_origin: https://api.example.com/v1\ncors: {}\n"
        F.expectError(bad, at: 3, 18, containing: "server.public_origin: 'https://api.example.com/v1' is not an origin")
    }

    @Test("client_ca is read, and check reports it when the file does not exist")
    func clientCA() throws {
        let yaml = "server:\n  listen: 127.0.0.1:8443\n  tls:\n    certificate: c.pem\n    private_key: k.pem\n    client_ca: ca.pem\ncors: {}\n"
        #expect(try F.load(yaml, existing: ["c.pem", "k.pem", "ca.pem"]).config.server.tls?.clientCA?.value == "ca.pem")
        F.expectError(yaml, at: 6, 16, containing: "server.tls.client_ca: file 'ca.pem' does not exist", existing: ["c.pem", "k.pem"])
    }
}
