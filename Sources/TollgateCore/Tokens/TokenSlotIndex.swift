/// The token cache's index: an open-addressing table (linear probing) from a
/// token's `TokenHash` to the cache slot that holds it.
///
/// Each bucket is one `UInt64`: the low 32 bits of the hash (its tag) above
/// the slot number plus one (0 is an empty bucket). A probe compares tags in
/// the table itself and asks the caller to compare the token only when a tag
/// matches, so a lookup touches one slot (the right one) in nearly every
/// case. It replaced a `Dictionary<TokenKey, Int>` whose key carried a
/// `Substring` (retained and released per probe, copied through value
/// witnesses in unspecialized paths) and whose buckets hashed the key's
/// digest once more; removal shifts the following entries back (no
/// tombstones), so CLOCK's one eviction per miss leaves no debris. With
/// `TokenHash`, by perf shares of the token route's CPU: the lookup of a hit
/// went from ~1.2 to ~0.6 µs, of a hit on a cold entry (25,000 rotating
/// tokens) from ~2.2 to ~1.1 µs, lookup and insert of a miss from ~4.8 to
/// ~2.3 µs (benchmarks/README.md, "What authentication adds over `auth:
/// none` (session 6)").
struct TokenSlotIndex {
    private var buckets: [UInt64]
    private var mask: Int
    private(set) var count = 0

    /// A table for `expected` entries at most half full; it doubles as needed.
    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size *= 2 }
        buckets = Array(repeating: 0, count: size)
        mask = size - 1
    }

    private static func tag(_ hash: UInt64) -> UInt64 { hash & 0xFFFF_FFFF }

    /// The slot of the entry whose hash is `hash` and for which `matches` says yes.
    func find(_ hash: UInt64, where matches: (Int) -> Bool) -> Int? {
        let tag = Self.tag(hash)
        var position = Int(truncatingIfNeeded: tag) & mask
        while true {
            let bucket = buckets[position]
            if bucket == 0 { return nil }
            if bucket >> 32 == tag, matches(Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1) {
                return Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1
            }
            position = (position + 1) & mask
        }
    }

    /// Adds `slot` under `hash`; the caller knows no entry is there for the same token.
    mutating func insert(_ hash: UInt64, slot: Int) {
        if (count + 1) * 2 > buckets.count { grow() }
        place(Self.tag(hash) << 32 | UInt64(slot + 1))
        count += 1
    }

    /// Removes the entry of `slot`, which is under `hash`.
    mutating func remove(_ hash: UInt64, slot: Int) {
        let wanted = Self.tag(hash) << 32 | UInt64(slot + 1)
        var hole = Int(truncatingIfNeeded: Self.tag(hash)) & mask
        while buckets[hole] != wanted {
            precondition(buckets[hole] != 0, "a token cache slot missing from its index")
            hole = (hole + 1) & mask
        }
        // Backward shift: an entry after the hole moves into it unless its home
        // bucket lies cyclically after the hole, up to the entry's own place.
        var next = hole
        while true {
            next = (next + 1) & mask
            let bucket = buckets[next]
            if bucket == 0 { break }
            let home = Int(truncatingIfNeeded: bucket >> 32) & mask
            let staysPut = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if !staysPut {
                buckets[hole] = bucket
                hole = next
            }
        }
        buckets[hole] = 0
        count -= 1
    }

    mutating func removeAll() {
        for index in buckets.indices { buckets[index] = 0 }
        count = 0
    }

    private mutating func place(_ bucket: UInt64) {
        var position = Int(truncatingIfNeeded: bucket >> 32) & mask
        while buckets[position] != 0 { position = (position + 1) & mask }
        buckets[position] = bucket
    }

    private mutating func grow() {
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        mask = buckets.count - 1
        for bucket in old where bucket != 0 { place(bucket) }
    }
}
