/// A byte string as the route table compares it: the table hashes and compares
/// the canonical bytes a key yields, so a request's raw bytes are looked up
/// against stored canonical bytes without building a `String` or an array.
protocol CanonicalBytes {
    associatedtype Bytes: IteratorProtocol where Bytes.Element == UInt8
    func makeBytes() -> Bytes
}

/// Bytes that are already canonical (the table's own keys, built at compile time).
struct VerbatimBytes: CanonicalBytes {
    let bytes: [UInt8]
    func makeBytes() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
}

/// A request path segment, compared by what it percent-decodes to.
struct DecodedSegment: CanonicalBytes {
    let buffer: UnsafeBufferPointer<UInt8>
    let range: Range<Int>

    @inline(__always)
    func makeBytes() -> PercentDecodedBytes { PercentDecodedBytes(buffer, range) }
}

/// A host name as sent, compared ASCII case-insensitively.
struct LowercasedHost: CanonicalBytes {
    let buffer: UnsafeBufferPointer<UInt8>
    let range: Range<Int>

    /// Yields the host's bytes with `A`–`Z` lowered.
    struct Bytes: IteratorProtocol {
        let buffer: UnsafeBufferPointer<UInt8>
        var position: Int
        let end: Int

        @inline(__always)
        mutating func next() -> UInt8? {
            guard position < end else { return nil }
            let byte = buffer[position]
            position += 1
            return byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
        }
    }

    @inline(__always)
    func makeBytes() -> Bytes { Bytes(buffer: buffer, position: range.lowerBound, end: range.upperBound) }
}

/// An open-addressing hash map from (owner, byte string) to an `Int32`: one
/// flat table holds every literal edge of the route trie (owner = parent node)
/// and every host (owner = a tier marker), and looks keys up without allocating.
struct ByteKeyTable: Sendable {
    private struct Slot: Sendable {
        var hash: UInt32 = 0
        var owner: Int32 = 0
        /// `-1` marks an empty slot.
        var value: Int32 = -1
        var start: Int32 = 0
        var length: Int32 = 0
    }

    private var slots: [Slot] = Array(repeating: Slot(), count: 16)
    private var arena: [UInt8] = []
    private(set) var count = 0

    /// Adds `key` under `owner` with `value`, unless it is there already; returns
    /// the value stored for it either way.
    mutating func insert(owner: Int32, key: [UInt8], value: Int32) -> Int32 {
        let hash = Self.hash(owner: owner, key: VerbatimBytes(bytes: key))
        if let existing = find(owner: owner, hash: hash, key: VerbatimBytes(bytes: key)) {
            return existing
        }
        if (count + 1) * 2 > slots.count { grow() }
        let start = Int32(arena.count)
        arena.append(contentsOf: key)
        place(Slot(hash: hash, owner: owner, value: value, start: start, length: Int32(key.count)))
        count += 1
        return value
    }

    /// The value stored for `key` under `owner`, or nil.
    @inline(__always)
    func value(owner: Int32, key: some CanonicalBytes) -> Int32? {
        find(owner: owner, hash: Self.hash(owner: owner, key: key), key: key)
    }

    @inline(__always)
    private func find(owner: Int32, hash: UInt32, key: some CanonicalBytes) -> Int32? {
        let mask = slots.count - 1
        var index = Int(hash) & mask
        while true {
            let slot = slots[index]
            if slot.value < 0 { return nil }
            if slot.hash == hash, slot.owner == owner, equals(slot, key) { return slot.value }
            index = (index + 1) & mask
        }
    }

    @inline(__always)
    private func equals(_ slot: Slot, _ key: some CanonicalBytes) -> Bool {
        var bytes = key.makeBytes()
        var position = Int(slot.start)
        let end = position + Int(slot.length)
        while let byte = bytes.next() {
            guard position < end, arena[position] == byte else { return false }
            position += 1
        }
        return position == end
    }

    private mutating func place(_ slot: Slot) {
        let mask = slots.count - 1
        var index = Int(slot.hash) & mask
        while slots[index].value >= 0 { index = (index + 1) & mask }
        slots[index] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        for slot in old where slot.value >= 0 { place(slot) }
    }

    /// FNV-1a over the owner and the canonical bytes, then a murmur3 finaliser
    /// so that the low bits used for the slot index are well mixed.
    @inline(__always)
    private static func hash(owner: Int32, key: some CanonicalBytes) -> UInt32 {
        var hash: UInt32 = 2_166_136_261 ^ UInt32(bitPattern: owner)
        hash &*= 16_777_619
        var bytes = key.makeBytes()
        while let byte = bytes.next() {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        hash ^= hash >> 16
        hash &*= 0x85EB_CA6B
        hash ^= hash >> 13
        hash &*= 0xC2B2_AE35
        hash ^= hash >> 16
        return hash
    }
}
