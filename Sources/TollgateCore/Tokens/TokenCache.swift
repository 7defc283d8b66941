#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The verified-token cache of one event loop: a bounded map from the whole
/// token string to its `VerifiedToken`, so that a repeated token costs one hash
/// lookup and one compare of its bytes instead of parsing and a signature check.
/// Where a token is looked for comes from `TokenHash` (its length and last 16
/// bytes); which entry is its is decided by comparing every byte.
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
        /// `TokenHash` of `token`, so that evicting the slot does not hash the token again.
        var hash: UInt64
        var value: Entry
        /// The `JWKSet.generation` against which the key was last known present.
        var keySetGeneration: UInt64
        var referenced: Bool
    }

    public let capacity: Int
    private var index: TokenSlotIndex
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var hand = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a token cache holds at least one entry")
        self.capacity = capacity
        index = TokenSlotIndex(expected: min(capacity, 1 << 16))
    }

    public var count: Int { index.count }

    /// Entries pushed out to make room for new ones since the cache was made (for metrics).
    public private(set) var evictions = 0

    /// The cached result for `token`, or `nil`. `keySet` returns the current key
    /// set of the entry's issuer, or `nil` when it has none: an entry whose key
    /// is no longer in its issuer's set is dropped. When the set is the one the
    /// entry was last checked against, the check is one comparison.
    /// The token is read straight from the request's header value: the lookup
    /// copies nothing (the micro-benchmark showed one allocation per request
    /// when the key was a `String` made from it).
    public func lookup(_ token: Substring, now: Int64, keySet: (Entry) -> JWKSet?) -> Entry? {
        var token = token
        guard let position = token.withUTF8({ slot(of: $0, hash: TokenHash.of($0)) }) else { return nil }
        let value = slots[position].value
        guard now < value.expiresAt, let keys = keySet(value) else {
            remove(at: position)
            return nil
        }
        if keys.generation != slots[position].keySetGeneration {
            guard keys.contains(value.keyIdentity) else {
                remove(at: position)
                return nil
            }
            slots[position].keySetGeneration = keys.generation
        }
        slots[position].referenced = true
        return value
    }

    /// Caches a token verified against `keySet`. Tokens already expired at `now` are not cached.
    public func insert(_ token: String, _ value: Entry, keySet: JWKSet, now: Int64) {
        guard now < value.expiresAt else { return }
        var token = token
        let (hash, existing): (UInt64, Int?) = token.withUTF8 { bytes in
            let hash = TokenHash.of(bytes)
            return (hash, slot(of: bytes, hash: hash))
        }
        let entry = Slot(token: token, hash: hash, value: value, keySetGeneration: keySet.generation, referenced: false)
        if let existing {
            slots[existing] = entry
            return
        }
        let position: Int
        if let free = freeSlots.popLast() {
            position = free
            slots[position] = entry
        } else if slots.count < capacity {
            position = slots.count
            slots.append(entry)
        } else {
            position = evictionVictim()
            evictions += 1
            index.remove(slots[position].hash, slot: position)
            slots[position] = entry
        }
        index.insert(hash, slot: position)
    }

    /// Empties the cache (a new configuration, or a test).
    public func removeAll() {
        index.removeAll()
        slots.removeAll(keepingCapacity: true)
        freeSlots.removeAll(keepingCapacity: true)
        hand = 0
    }

    /// The slot holding exactly `bytes` (every byte compared: tokens are the
    /// same only byte for byte), found under `hash`.
    private func slot(of bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        index.find(hash) { candidate in
            slots[candidate].hash == hash && slots[candidate].token.utf8.withContiguousStorageIfAvailable { stored in
                stored.count == bytes.count && (bytes.isEmpty || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
            } ?? slots[candidate].token.utf8.elementsEqual(bytes)
        }
    }

    /// Moves the hand to the first occupied entry not referenced since the last
    /// pass, clearing reference bits on the way. Called only when every slot is occupied.
    private func evictionVictim() -> Int {
        while true {
            let position = hand
            hand = (hand + 1) % slots.count
            if slots[position].referenced {
                slots[position].referenced = false
            } else {
                return position
            }
        }
    }

    private func remove(at position: Int) {
        index.remove(slots[position].hash, slot: position)
        slots[position].referenced = false
        slots[position].token = ""
        freeSlots.append(position)
    }
}

@available(*, unavailable, message: "a TokenCache belongs to one event loop")
extension TokenCache: Sendable {}

/// What the token cache needs to know of an entry: which key verified it and
/// until when it may be used. (Which issuer's key set to check that key
/// against is the caller's `keySet` closure's business.)
public protocol CachedToken: Sendable {
    var expiresAt: Int64 { get }
    var keyIdentity: KeyIdentity { get }
}

extension VerifiedToken: CachedToken {}
