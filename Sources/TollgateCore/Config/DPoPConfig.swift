/// `issuers[].dpop:`: how the issuer's sender-constrained tokens (RFC 9449)
/// are checked. Every issuer has one — an issuer without the section gets
/// these defaults — so a token bound to a key (`cnf.jkt`) always needs a proof.
public struct DPoPConfig: Sendable, Equatable {
    /// Which tokens need a proof.
    public enum Mode: String, Sendable, Hashable {
        /// Only tokens bound to a key (`cnf.jkt`).
        case optional
        /// Every token of the issuer: it must be bound and come with a proof.
        case required
    }

    /// The proof algorithms accepted when `algorithms` is not given.
    public static let defaultAlgorithms: [JWSAlgorithm] = [.es256, .es384, .edDSA, .rs256, .ps256]

    public var mode: Mode
    /// Allowed proof `alg` values; asymmetric only.
    public var algorithms: [Located<JWSAlgorithm>]
    /// How old a proof's `iat` may be (the issuer's `leeway` is added, both ways).
    public var maxAge: Duration
    /// Where seen `jti` values are remembered.
    public var replay: Located<ReplayStoreLocation>
    public var location: SourceLocation

    public init(
        mode: Mode = .optional,
        algorithms: [Located<JWSAlgorithm>] = DPoPConfig.defaultAlgorithms.map { Located($0) },
        maxAge: Duration = .seconds(60),
        replay: Located<ReplayStoreLocation> = Located(.memory),
        location: SourceLocation = .unknown
    ) {
        self.mode = mode
        self.algorithms = algorithms
        self.maxAge = maxAge
        self.replay = replay
        self.location = location
    }
}

/// `issuers[].dpop.replay`: the process's own memory, or a Redis server that
/// every instance of a fleet shares (`redis://host:port/db`).
public enum ReplayStoreLocation: Sendable, Hashable, CustomStringConvertible {
    case memory
    case redis(RedisAddress)

    /// Parses `memory` or `redis://host[:port][/db]` (port 6379 and database 0 by default).
    public init(parsing text: String) throws(ReplayLocationError) {
        if text == "memory" {
            self = .memory
            return
        }
        guard text.hasPrefix("redis://") else { throw .unknown(text) }
        let rest = text.dropFirst("redis://".count)
        let authority = rest.prefix { $0 != "/" }
        var databaseText = rest.dropFirst(authority.count)
        guard !authority.isEmpty, !authority.contains("@") else { throw .invalidRedis(text, "needs a host (credentials are not supported)") }
        let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
        guard let address = try? HostPort(parsing: hasPort ? String(authority) : authority + ":6379"), address.port != 0 else {
            throw .invalidRedis(text, "does not have a valid host and port")
        }
        var database = 0
        if databaseText.first == "/" { databaseText = databaseText.dropFirst() }
        if !databaseText.isEmpty {
            guard databaseText.count <= 5, databaseText.allSatisfy(\.isASCIIDigit), let number = Int(databaseText) else {
                throw .invalidRedis(text, "database must be a number (redis://host:port/0)")
            }
            database = number
        }
        self = .redis(RedisAddress(address: address, database: database))
    }

    public var description: String {
        switch self {
        case .memory: "memory"
        case .redis(let address): address.description
        }
    }
}

/// A Redis server and database number.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    public var address: HostPort
    public var database: Int

    public init(address: HostPort, database: Int = 0) {
        self.address = address
        self.database = database
    }

    public var description: String { "redis://\(address)/\(database)" }
}

/// Why a `replay:` value is not a replay store.
public enum ReplayLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String)
    case invalidRedis(String, String)

    public var description: String {
        switch self {
        case .unknown(let text): "expected 'memory' or redis://host:port/db, found '\(text)'"
        case .invalidRedis(let text, let problem): "'\(text)' \(problem)"
        }
    }
}
