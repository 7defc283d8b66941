/// The proof keys one event loop has seen, by RFC 7638 thumbprint, so that a
/// client's repeated proofs cost a thumbprint and a lookup instead of building
/// (and, for EC keys, validating) the public key again. Bounded: when full,
/// the oldest entry makes room; a capacity of 0 keeps nothing (every proof's
/// key is built). Owned by one loop (not `Sendable`), no lock.
public final class DPoPKeyCache {
    public let capacity: Int
    private var keys: [String: VerificationKey]
    /// Thumbprints in insertion order, as a ring: the next victim is at `oldest`.
    private var order: [String] = []
    private var oldest = 0

    /// How many distinct proof keys one loop keeps when `cache.dpop_keys` says nothing.
    public static let defaultCapacity = 4096

    public init(capacity: Int = DPoPKeyCache.defaultCapacity) {
        precondition(capacity >= 0, "a proof key cache cannot hold fewer than zero keys")
        self.capacity = capacity
        keys = Dictionary(minimumCapacity: min(capacity, 1024))
    }

    public var count: Int { keys.count }

    public func key(forThumbprint thumbprint: String) -> VerificationKey? {
        keys[thumbprint]
    }

    public func insert(_ key: VerificationKey, thumbprint: String) {
        guard capacity > 0, keys[thumbprint] == nil else { return }
        if order.count < capacity {
            order.append(thumbprint)
        } else {
            keys.removeValue(forKey: order[oldest])
            order[oldest] = thumbprint
            oldest = (oldest + 1) % capacity
        }
        keys[thumbprint] = key
    }
}

@available(*, unavailable, message: "a DPoPKeyCache belongs to one event loop")
extension DPoPKeyCache: Sendable {}
