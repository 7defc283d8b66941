import Synchronization

/// An issuer's verification keys at one moment (RFC 7517 §5): an immutable
/// value, replaced whole when keys are refetched. Keys that cannot be used are
/// left out and listed in `skipped` with the reason, for the caller to log.
/// Each set gets a process-unique `generation`, so a cached token can tell
/// cheaply whether the set it was verified against is still the current one.
public struct JWKSet: Sendable {
    /// A member of the set that was left out, and why.
    public struct SkippedKey: Sendable, Equatable, CustomStringConvertible {
        /// The position in the `keys` array.
        public let index: Int
        public let keyID: String?
        public let reason: KeyError

        public var description: String {
            let name = keyID.map { "key \"\($0)\"" } ?? "key #\(index)"
            return "\(name) skipped: \(reason)"
        }
    }

    public let keys: [VerificationKey]
    public let skipped: [SkippedKey]
    public let generation: UInt64
    private let indicesByKeyID: [String: [Int]]
    /// The same, as a list, when the set has few distinct `kid`s: comparing a
    /// handful of ids is cheaper than hashing one (the dictionary lookup was
    /// 300 instructions a token in a set of five, callgrind, RS256, session 10).
    private let fewKeyIDs: [(keyID: String, indices: [Int])]?
    private let identities: Set<KeyIdentity>

    private static let generations = Atomic<UInt64>(0)
    /// Up to how many distinct `kid`s lookups compare ids in turn.
    private static let fewKeyIDsLimit = 8

    public init(keys: [VerificationKey], skipped: [SkippedKey] = []) {
        self.keys = keys
        self.skipped = skipped
        generation = Self.generations.add(1, ordering: .relaxed).newValue
        var indices: [String: [Int]] = [:]
        for (index, key) in keys.enumerated() {
            if let keyID = key.keyID { indices[keyID, default: []].append(index) }
        }
        indicesByKeyID = indices
        fewKeyIDs = indices.count <= Self.fewKeyIDsLimit ? indices.map { (keyID: $0.key, indices: $0.value) } : nil
        identities = Set(keys.map(\.identity))
    }

    /// Parses a JWK Set document: `{"keys": [...]}`. Fails only when the document
    /// itself is not a key set; individual unusable keys are skipped.
    public init(parsing json: [UInt8]) throws(KeyError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(json)
        } catch {
            throw .notJSON(error.description)
        }
        guard case .array(let members)? = value.objectValue?["keys"] else { throw .notAKeySet }
        var keys: [VerificationKey] = []
        var skipped: [SkippedKey] = []
        for (index, member) in members.enumerated() {
            guard let jwk = member.objectValue else {
                skipped.append(SkippedKey(index: index, keyID: nil, reason: .notAnObject))
                continue
            }
            do {
                keys.append(try VerificationKey(jwk: jwk))
            } catch {
                skipped.append(SkippedKey(index: index, keyID: jwk["kid"]?.stringValue, reason: error))
            }
        }
        self.init(keys: keys, skipped: skipped)
    }

    /// The positions in `keys` of the keys with this `kid` (several keys may share one).
    public func indices(ofKeyID keyID: String) -> [Int] {
        if let fewKeyIDs {
            for entry in fewKeyIDs where entry.keyID == keyID { return entry.indices }
            return []
        }
        return indicesByKeyID[keyID] ?? []
    }

    /// Whether a key with this identity is in the set.
    public func contains(_ identity: KeyIdentity) -> Bool {
        identities.contains(identity)
    }
}
