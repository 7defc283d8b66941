@testable import TollgateCore
import Testing

@Suite struct TokenSlotIndexTests {
    /// Inserts and removes at random with hashes from a tiny space (so entries
    /// collide, form clusters and wrap around the table's end), checking every
    /// entry against a plain dictionary after each step; the table also grows.
    @Test func agreesWithADictionaryUnderCollisionsRemovalsAndGrowth() {
        var generator = SeededRandom(seed: 8)
        var index = TokenSlotIndex(expected: 4)
        var model: [Int: UInt64] = [:]  // slot -> hash
        var nextSlot = 0
        for step in 0..<4000 {
            if model.isEmpty || generator.next() % 3 != 0 {
                // Hashes whose low bits crowd the last buckets, so probes wrap.
                let hash = (generator.next() % 5) << 32 | (generator.next() % 4 == 0 ? 0xFFFF_FFFF : generator.next() % 8 + 0xFFFF_FFF0)
                index.insert(hash, slot: nextSlot)
                model[nextSlot] = hash
                nextSlot += 1
            } else {
                let victim = model.keys.sorted()[Int(generator.next() % UInt64(model.count))]
                index.remove(model[victim]!, slot: victim)
                model[victim] = nil
            }
            #expect(index.count == model.count)
            if step % 50 == 0 || model.count < 20 {
                for (slot, hash) in model {
                    #expect(index.find(hash) { $0 == slot } == slot, "slot \(slot) lost at step \(step)")
                }
            }
        }
        // Emptied one by one, in an order unlike the insertions', it ends empty.
        for (slot, hash) in model.sorted(by: { $0.key % 7 < $1.key % 7 }) {
            index.remove(hash, slot: slot)
            #expect(index.find(hash) { $0 == slot } == nil)
        }
        #expect(index.count == 0)
    }

    @Test func findsOnlyWhatTheCallerAccepts() {
        var index = TokenSlotIndex(expected: 8)
        index.insert(42, slot: 0)
        index.insert(42, slot: 1)
        #expect(index.find(42) { $0 == 1 } == 1)
        #expect(index.find(42) { $0 == 0 } == 0)
        #expect(index.find(42) { _ in false } == nil)
        #expect(index.find(43) { _ in true } == nil)
        index.remove(42, slot: 0)
        #expect(index.find(42) { $0 == 0 } == nil)
        #expect(index.find(42) { $0 == 1 } == 1)
        index.removeAll()
        #expect(index.count == 0)
        #expect(index.find(42) { _ in true } == nil)
    }
}
