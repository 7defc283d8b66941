#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The verified-token cache of one event loop: a bounded map from the whole
/// token string to its `VerifiedToken`, so that a repeated token costs one hash
/// lookup instead of parsing and a signature check.
///
/// It is owned by one event loop and never shared (not `Sendable`), so it needs
/// no lock. Eviction is CLOCK (second chance): a hit sets a bit, the hand clears
/// bits until it finds an entry not used since its last pass. Only verified
/// tokens are inserted, so a flood of bad tokens cannot evict good ones. An
/// entry is dropped on a hit at or after its `exp`, and when the key that
/// verified it has left its issuer's key set.
public final class TokenCache<Entry: CachedToken> {
    private struct Slot {
        var token: String
        /// `TokenKey.digest` of `token`, so that evicting the slot does not hash the token again.
        var digest: Int
        var value: Entry
        /// The `JWKSet.generation` against which the key was last known present.
        var keySetGeneration: UInt64
        var referenced: Bool
    }

    public let capacity: Int
    private var slotsByToken: [TokenKey: Int]
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var hand = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a token cache holds at least one entry")
        self.capacity = capacity
        slotsByToken = Dictionary(minimumCapacity: min(capacity, 1 << 16))
    }

    public var count: Int { slotsByToken.count }

    /// Entries pushed out to make room for new ones since the cache was made (for metrics).
    public private(set) var evictions = 0

    /// The cached result for `token`, or `nil`. `keySet` returns the current key
    /// set of an issuer (by configured name), or `nil` when it has none: an entry
    /// whose key is no longer in its issuer's set is dropped. When the set is the
    /// one the entry was last checked against, the check is one comparison.
    /// The entry for `token`, read straight from the request's header value:
    /// the lookup copies nothing (the micro-benchmark showed one allocation per
    /// request when the key was a `String` made from it).
    public func lookup(_ token: Substring, now: Int64, keySet: (String) -> JWKSet?) -> Entry? {
        guard let index = slotsByToken[TokenKey(token)] else { return nil }
        let value = slots[index].value
        guard now < value.expiresAt, let keys = keySet(value.issuer) else {
            remove(at: index)
            return nil
        }
        if keys.generation != slots[index].keySetGeneration {
            guard keys.contains(value.keyIdentity) else {
                remove(at: index)
                return nil
            }
            slots[index].keySetGeneration = keys.generation
        }
        slots[index].referenced = true
        return value
    }

    /// Caches a token verified against `keySet`. Tokens already expired at `now` are not cached.
    public func insert(_ token: String, _ value: Entry, keySet: JWKSet, now: Int64) {
        guard now < value.expiresAt else { return }
        let key = TokenKey(token[...])
        let slot = Slot(token: token, digest: key.digest, value: value, keySetGeneration: keySet.generation, referenced: false)
        if let index = slotsByToken[key] {
            slots[index] = slot
            return
        }
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
            slots[index] = slot
        } else if slots.count < capacity {
            index = slots.count
            slots.append(slot)
        } else {
            index = evictionVictim()
            evictions += 1
            slotsByToken.removeValue(forKey: storedKey(at: index))
            slots[index] = slot
        }
        slotsByToken[key] = index
    }

    /// Empties the cache (a new configuration, or a test).
    public func removeAll() {
        slotsByToken.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        freeSlots.removeAll(keepingCapacity: true)
        hand = 0
    }

    /// Moves the hand to the first occupied entry not referenced since the last
    /// pass, clearing reference bits on the way. Called only when every slot is occupied.
    private func evictionVictim() -> Int {
        while true {
            let index = hand
            hand = (hand + 1) % slots.count
            if slots[index].referenced {
                slots[index].referenced = false
            } else {
                return index
            }
        }
    }

    private func storedKey(at index: Int) -> TokenKey {
        TokenKey(slots[index].token[...], digest: slots[index].digest)
    }

    private func remove(at index: Int) {
        slotsByToken.removeValue(forKey: storedKey(at: index))
        slots[index].referenced = false
        slots[index].token = ""
        freeSlots.append(index)
    }
}

@available(*, unavailable, message: "a TokenCache belongs to one event loop")
extension TokenCache: Sendable {}

/// A cache key over a token's UTF-8 bytes, so that a request's header value
/// (a `Substring`) is looked up as it is; stored keys are slices of the stored
/// tokens. Bytes, not characters: two tokens are the same only byte for byte.
///
/// The bytes are hashed once, into `digest`, when a key is made; the
/// dictionary then hashes the digest. A cache miss used to hash the ~800-byte
/// token four times (lookup, insert's check, the evicted entry's removal,
/// insert); now twice, and eviction never (perf, scenario (c): the eviction's
/// rehash alone was 1.9% of the gateway's CPU).
struct TokenKey: Hashable {
    let text: Substring
    let digest: Int

    init(_ text: Substring) {
        self.text = text
        var hasher = Hasher()
        var bytes = text
        bytes.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        digest = hasher.finalize()
    }

    /// A key for a stored token whose digest is known.
    init(_ text: Substring, digest: Int) {
        self.text = text
        self.digest = digest
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    static func == (lhs: TokenKey, rhs: TokenKey) -> Bool {
        guard lhs.digest == rhs.digest else { return false }
        var left = lhs.text
        var right = rhs.text
        // A stored key meets itself when its slot is evicted or dropped: the
        // same bytes need no compare (800 of them, cold by then).
        return left.withUTF8 { a in
            right.withUTF8 { b in
                a.count == b.count && (a.count == 0 || a.baseAddress == b.baseAddress || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            }
        }
    }
}

/// What the token cache needs to know of an entry: whose key verified it and
/// until when it may be used.
public protocol CachedToken: Sendable {
    /// The issuer's configured name (the key set to check the key against).
    var issuer: String { get }
    var expiresAt: Int64 { get }
    var keyIdentity: KeyIdentity { get }
}

extension VerifiedToken: CachedToken {}
