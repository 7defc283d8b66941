/// A set of scope ids as a bitset, so that "does this token hold what the route
/// needs" is a few AND/compare instructions per 64 scopes.
///
/// The first 128 ids live inline (two words, no heap at all); a universe with
/// more scopes adds a fixed array of further words, sized once by the universe
/// (`ScopeUniverse.emptySet`). Reading two sets — `isSuperset(of:)`,
/// `intersects(_:)`, `contains(_:)` — never allocates, whatever their size.
/// Sets of different sizes compare as if the shorter one were padded with
/// zero words, so equality means "same members".
public struct ScopeSet: Sendable, Hashable, Sequence, CustomStringConvertible {
    /// Ids 0..<64.
    private var word0: UInt64
    /// Ids 64..<128.
    private var word1: UInt64
    /// Ids 128 and up, 64 per word; empty (no allocation) for small universes.
    private var overflow: [UInt64]

    /// The ids a set can hold without growing: 128 inline, then whole words.
    public var capacity: Int { 128 + overflow.count * 64 }

    /// An empty set with room for ids `0..<capacity` (rounded up to whole words).
    public init(capacity: Int = 128) {
        word0 = 0
        word1 = 0
        let extraWords = capacity > 128 ? (capacity - 128 + 63) / 64 : 0
        overflow = extraWords > 0 ? Array(repeating: 0, count: extraWords) : []
    }

    /// A set of exactly these ids, sized to hold them.
    public init(_ ids: some Sequence<ScopeID>, capacity: Int = 128) {
        self.init(capacity: capacity)
        for id in ids { insert(id) }
    }

    public var isEmpty: Bool {
        word0 == 0 && word1 == 0 && overflow.allSatisfy { $0 == 0 }
    }

    /// The number of members.
    public var count: Int {
        overflow.reduce(word0.nonzeroBitCount + word1.nonzeroBitCount) { $0 + $1.nonzeroBitCount }
    }

    public func contains(_ id: ScopeID) -> Bool {
        let (word, bit) = Self.position(of: id)
        return self.word(at: word) & bit != 0
    }

    /// Adds `id`, growing the overflow words if the set was sized too small.
    public mutating func insert(_ id: ScopeID) {
        let (word, bit) = Self.position(of: id)
        switch word {
        case 0: word0 |= bit
        case 1: word1 |= bit
        default:
            let index = word - 2
            if index >= overflow.count {
                overflow.append(contentsOf: repeatElement(0, count: index - overflow.count + 1))
            }
            overflow[index] |= bit
        }
    }

    public mutating func formUnion(_ other: ScopeSet) {
        word0 |= other.word0
        word1 |= other.word1
        if other.overflow.count > overflow.count {
            overflow.append(contentsOf: repeatElement(0, count: other.overflow.count - overflow.count))
        }
        for index in other.overflow.indices {
            overflow[index] |= other.overflow[index]
        }
    }

    public func union(_ other: ScopeSet) -> ScopeSet {
        var result = self
        result.formUnion(other)
        return result
    }

    /// Every member of `other` is a member of `self` (an all-of check).
    public func isSuperset(of other: ScopeSet) -> Bool {
        guard other.word0 & ~word0 == 0, other.word1 & ~word1 == 0 else { return false }
        for index in other.overflow.indices where other.overflow[index] & ~word(at: index + 2) != 0 {
            return false
        }
        return true
    }

    /// `self` and `other` share at least one member (an any-of check).
    public func intersects(_ other: ScopeSet) -> Bool {
        if word0 & other.word0 != 0 || word1 & other.word1 != 0 { return true }
        for index in 0..<Swift.min(overflow.count, other.overflow.count) where overflow[index] & other.overflow[index] != 0 {
            return true
        }
        return false
    }

    /// The members of `other` that are not in `self`.
    public func subtracting(_ other: ScopeSet) -> ScopeSet {
        var result = self
        result.word0 &= ~other.word0
        result.word1 &= ~other.word1
        for index in result.overflow.indices {
            result.overflow[index] &= ~other.word(at: index + 2)
        }
        return result
    }

    public static func == (lhs: ScopeSet, rhs: ScopeSet) -> Bool {
        guard lhs.word0 == rhs.word0, lhs.word1 == rhs.word1 else { return false }
        let words = Swift.max(lhs.overflow.count, rhs.overflow.count)
        for index in 0..<words where lhs.word(at: index + 2) != rhs.word(at: index + 2) {
            return false
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(word0)
        hasher.combine(word1)
        let lastNonZero = overflow.lastIndex { $0 != 0 }
        if let lastNonZero {
            for index in 0...lastNonZero { hasher.combine(overflow[index]) }
        }
    }

    public var description: String {
        "{" + map { String($0.rawValue) }.joined(separator: ", ") + "}"
    }

    public func makeIterator() -> Iterator { Iterator(set: self) }

    /// Walks the members in ascending id order.
    public struct Iterator: IteratorProtocol {
        private let set: ScopeSet
        private var wordIndex = 0
        private var remaining: UInt64

        fileprivate init(set: ScopeSet) {
            self.set = set
            remaining = set.word0
        }

        public mutating func next() -> ScopeID? {
            let wordCount = 2 + set.overflow.count
            while remaining == 0 {
                wordIndex += 1
                guard wordIndex < wordCount else { return nil }
                remaining = set.word(at: wordIndex)
            }
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            return ScopeID(wordIndex * 64 + bit)
        }
    }

    /// The word holding ids `64 * index ..< 64 * (index + 1)`; zero past the end.
    private func word(at index: Int) -> UInt64 {
        switch index {
        case 0: return word0
        case 1: return word1
        default:
            let overflowIndex = index - 2
            return overflowIndex < overflow.count ? overflow[overflowIndex] : 0
        }
    }

    private static func position(of id: ScopeID) -> (word: Int, bit: UInt64) {
        (id.rawValue >> 6, 1 << UInt64(id.rawValue & 63))
    }
}
