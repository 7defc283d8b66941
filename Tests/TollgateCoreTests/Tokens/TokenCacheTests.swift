import Testing
@testable import TollgateCore

@Suite struct TokenCacheTests {
    typealias F = TokenFixtures
    let keyA = KeyIdentity(thumbprint: "key-a")
    let keyB = KeyIdentity(thumbprint: "key-b")

    private func verified(expiresAt: Int64 = F.now + 3600, key: KeyIdentity? = nil, issuer: String = "tenant-eu", subject: String = "alice") -> VerifiedToken {
        VerifiedToken(
            issuer: issuer, subject: subject, clientID: "spa", scopes: .list(["apps:read"]), expiresAt: expiresAt,
            algorithm: .rs256, keyID: "k", keyIdentity: key ?? F.rsa.verificationKey.identity, forwardedClaims: [subject]
        )
    }

    @Test func returnsWhatWasInsertedForTheWholeToken() {
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        let value = verified()
        cache.insert("token-1", value, keySet: F.keySet, now: F.now)
        #expect(cache.lookup("token-1", now: F.now) { _ in F.keySet } == value)
        #expect(cache.lookup("token-", now: F.now) { _ in F.keySet } == nil)
        #expect(cache.lookup("token-12", now: F.now) { _ in F.keySet } == nil)
        #expect(cache.count == 1)
    }

    @Test func isBoundedByItsCapacity() {
        let cache = TokenCache<VerifiedToken>(capacity: 100)
        for index in 0..<1000 {
            cache.insert("token-\(index)", verified(subject: "\(index)"), keySet: F.keySet, now: F.now)
            #expect(cache.count <= 100)
        }
        #expect(cache.count == 100)
        // The most recent insertion is always present.
        #expect(cache.lookup("token-999", now: F.now) { _ in F.keySet }?.subject == "999")
    }

    @Test func evictsAnEntryNotUsedSinceTheHandLastPassed() {
        let cache = TokenCache<VerifiedToken>(capacity: 3)
        for name in ["a", "b", "c"] {
            cache.insert(name, verified(subject: name), keySet: F.keySet, now: F.now)
        }
        #expect(cache.lookup("a", now: F.now) { _ in F.keySet } != nil)
        cache.insert("d", verified(subject: "d"), keySet: F.keySet, now: F.now)
        // "a" had its second chance; "b" was the first entry not used.
        #expect(cache.lookup("b", now: F.now) { _ in F.keySet } == nil)
        for name in ["a", "c", "d"] {
            #expect(cache.lookup(name[...], now: F.now) { _ in F.keySet }?.subject == name)
        }
        // All three now referenced: the hand clears every bit and evicts where it started ("c").
        cache.insert("e", verified(subject: "e"), keySet: F.keySet, now: F.now)
        #expect(cache.count == 3)
        #expect(cache.lookup("e", now: F.now) { _ in F.keySet } != nil)
        #expect(cache.lookup("c", now: F.now) { _ in F.keySet } == nil)
    }

    @Test func treatsAnExpiredEntryAsAMissAndDropsIt() {
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        cache.insert("t", verified(expiresAt: F.now + 60), keySet: F.keySet, now: F.now)
        #expect(cache.lookup("t", now: F.now + 59) { _ in F.keySet } != nil)
        #expect(cache.lookup("t", now: F.now + 60) { _ in F.keySet } == nil)
        #expect(cache.count == 0)
        // Even if the clock goes back, the entry is gone.
        #expect(cache.lookup("t", now: F.now) { _ in F.keySet } == nil)
    }

    @Test func neverCachesATokenAlreadyExpired() {
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        cache.insert("t", verified(expiresAt: F.now), keySet: F.keySet, now: F.now)
        #expect(cache.count == 0)
    }

    @Test func dropsEntriesWhoseKeyLeftTheKeySet() throws {
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        let rsaKey = F.rsa.verificationKey
        let original = JWKSet(keys: [rsaKey, F.p256.verificationKey])
        cache.insert("t", verified(key: rsaKey.identity), keySet: original, now: F.now)
        cache.insert("u", verified(key: F.p256.verificationKey.identity), keySet: original, now: F.now)

        // A refetch that keeps the key: a new generation, and the entry survives.
        let refetched = JWKSet(keys: [F.p256.verificationKey, rsaKey])
        #expect(refetched.generation != original.generation)
        #expect(cache.lookup("t", now: F.now) { _ in refetched } != nil)
        #expect(cache.lookup("t", now: F.now) { _ in refetched } != nil)

        // A rotation that removes the RSA key: its token is dropped, the other stays.
        let rotated = JWKSet(keys: [F.p256.verificationKey])
        #expect(cache.lookup("t", now: F.now) { _ in rotated } == nil)
        #expect(cache.lookup("u", now: F.now) { _ in rotated } != nil)
        #expect(cache.count == 1)
        // Restoring the key later does not resurrect the entry.
        #expect(cache.lookup("t", now: F.now) { _ in original } == nil)
    }

    @Test func asksForTheKeySetOfTheEntrysIssuer() {
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        cache.insert("t", verified(issuer: "other"), keySet: F.keySet, now: F.now)
        var asked: [String] = []
        #expect(cache.lookup("t", now: F.now) { entry in asked.append(entry.issuer); return F.keySet } != nil)
        #expect(asked == ["other"])
        // An issuer that has no keys any more (removed by a reload) is a miss.
        #expect(cache.lookup("t", now: F.now) { _ in nil } == nil)
        #expect(cache.count == 0)
    }

    @Test func replacesAnEntryForTheSameToken() {
        let cache = TokenCache<VerifiedToken>(capacity: 2)
        cache.insert("t", verified(subject: "first"), keySet: F.keySet, now: F.now)
        cache.insert("t", verified(subject: "second"), keySet: F.keySet, now: F.now)
        #expect(cache.count == 1)
        #expect(cache.lookup("t", now: F.now) { _ in F.keySet }?.subject == "second")
    }

    @Test func reusesSlotsFreedByExpiryBeforeEvicting() {
        let cache = TokenCache<VerifiedToken>(capacity: 2)
        cache.insert("short", verified(expiresAt: F.now + 1, subject: "short"), keySet: F.keySet, now: F.now)
        cache.insert("long", verified(subject: "long"), keySet: F.keySet, now: F.now)
        #expect(cache.lookup("short", now: F.now + 1) { _ in F.keySet } == nil)
        cache.insert("new", verified(subject: "new"), keySet: F.keySet, now: F.now + 1)
        #expect(cache.lookup("long", now: F.now + 1) { _ in F.keySet }?.subject == "long")
        #expect(cache.lookup("new", now: F.now + 1) { _ in F.keySet }?.subject == "new")
    }

    @Test func removeAllEmptiesTheCache() {
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        for index in 0..<4 {
            cache.insert("t\(index)", verified(), keySet: F.keySet, now: F.now)
        }
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.lookup("t0", now: F.now) { _ in F.keySet } == nil)
        cache.insert("again", verified(), keySet: F.keySet, now: F.now)
        #expect(cache.lookup("again", now: F.now) { _ in F.keySet } != nil)
    }

    @Test func keysByTheWholeTokenNotAPrefix() {
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        let token = F.token()
        cache.insert(token, verified(subject: "real"), keySet: F.keySet, now: F.now)
        let tampered = String(token.dropLast()) + (token.last == "A" ? "B" : "A")
        #expect(cache.lookup(tampered[...], now: F.now) { _ in F.keySet } == nil)
        #expect(cache.lookup(token[...], now: F.now) { _ in F.keySet }?.subject == "real")
        // A slice of a longer header value finds the entry too: the key is the bytes, not the String.
        let header = "Bearer " + token + " "
        let slice = header.dropFirst(7).dropLast()
        #expect(cache.lookup(slice, now: F.now) { _ in F.keySet }?.subject == "real")
    }

    /// Tokens that differ only before the bytes `TokenHash` reads hash alike,
    /// yet each is an entry of its own: the bytes decide, not the hash.
    @Test func tokensThatHashAlikeStayDistinct() {
        let tail = "." + String(repeating: "S", count: 40)
        let first = "eyJhbGciOiJSUzI1NiJ9.first-payload" + tail
        let second = "eyJhbGciOiJSUzI1NiJ9.other-payload" + tail
        let never = "eyJhbGciOiJSUzI1NiJ9.forged-paylod" + tail
        #expect(first.utf8.count == second.utf8.count && first.utf8.count == never.utf8.count)
        let hashes = [first, second, never].map { token in
            var token = token
            return token.withUTF8 { TokenHash.of($0) }
        }
        #expect(Set(hashes).count == 1)

        let cache = TokenCache<VerifiedToken>(capacity: 2)
        cache.insert(first, verified(subject: "first"), keySet: F.keySet, now: F.now)
        cache.insert(second, verified(subject: "second"), keySet: F.keySet, now: F.now)
        #expect(cache.count == 2)
        #expect(cache.lookup(first[...], now: F.now) { _ in F.keySet }?.subject == "first")
        #expect(cache.lookup(second[...], now: F.now) { _ in F.keySet }?.subject == "second")
        #expect(cache.lookup(never[...], now: F.now) { _ in F.keySet } == nil)
        // Dropping one (its key left the set) leaves the other.
        #expect(cache.lookup(first[...], now: F.now) { _ in JWKSet(keys: []) } == nil)
        #expect(cache.lookup(second[...], now: F.now) { _ in F.keySet }?.subject == "second")
        #expect(cache.count == 1)
    }

    /// Short tokens (under 16 bytes) are hashed whole, and the empty token is a key like any other.
    @Test func shortTokensAreHashedWhole() {
        let hashes = ["", "a", "b", "ab", "ba", "fifteen-bytes!!"].map { token in
            var token = token
            return token.withUTF8 { TokenHash.of($0) }
        }
        #expect(Set(hashes).count == hashes.count)
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        cache.insert("ab", verified(subject: "ab"), keySet: F.keySet, now: F.now)
        #expect(cache.lookup("ba", now: F.now) { _ in F.keySet } == nil)
        #expect(cache.lookup("ab", now: F.now) { _ in F.keySet }?.subject == "ab")
    }

    /// The CLOCK order is the one a plain model gives, with tokens crowded
    /// into few hashes (groups sharing length and last 16 bytes), random
    /// inserts (new and repeated), hits and misses, over many evictions.
    @Test func evictsInClockOrderUnderCollidingHashes() {
        var random = SeededRandom(seed: 6)
        let tokens = (0..<24).map { number in
            "prefix-\(number % 3)-\(String(number / 3, radix: 36))" + String(repeating: "sig\(number % 2)", count: 6)
        }
        let capacity = 7
        let cache = TokenCache<VerifiedToken>(capacity: capacity)
        var model = ClockModel(capacity: capacity)
        for step in 0..<3000 {
            let token = random.pick(tokens)
            if random.chance(0.5) {
                cache.insert(token, verified(subject: token), keySet: F.keySet, now: F.now)
                model.insert(token)
            } else {
                let found = cache.lookup(token[...], now: F.now) { _ in F.keySet }?.subject
                #expect(found == (model.lookup(token) ? token : nil), "step \(step): \(token)")
            }
            #expect(cache.count == model.count)
            #expect(cache.evictions == model.evictions)
        }
        #expect(model.evictions > 500)
    }
}

/// CLOCK as `TokenCache` documents it, on plain arrays: a hit sets the
/// entry's bit; a new token takes a free slot, else the first slot the hand
/// finds with its bit clear (clearing bits on the way); a known token is
/// replaced in place with its bit clear.
private struct ClockModel {
    let capacity: Int
    var slots: [(token: String, referenced: Bool)] = []
    var hand = 0
    var evictions = 0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { slots.count }

    mutating func lookup(_ token: String) -> Bool {
        guard let index = slots.firstIndex(where: { $0.token == token }) else { return false }
        slots[index].referenced = true
        return true
    }

    mutating func insert(_ token: String) {
        if let index = slots.firstIndex(where: { $0.token == token }) {
            slots[index].referenced = false
        } else if slots.count < capacity {
            slots.append((token, false))
        } else {
            while slots[hand].referenced {
                slots[hand].referenced = false
                hand = (hand + 1) % slots.count
            }
            slots[hand] = (token, false)
            hand = (hand + 1) % slots.count
            evictions += 1
        }
    }
}
