import Testing
import TollgateCore

@Suite struct ScopeSetTests {
    @Test func insertAndContainsAcrossWordBoundaries() {
        var set = ScopeSet(capacity: 300)
        let ids = [0, 1, 63, 64, 127, 128, 191, 192, 255, 299].map(ScopeID.init)
        for id in ids { set.insert(id) }
        for id in ids { #expect(set.contains(id)) }
        for other in [2, 62, 65, 126, 129, 200, 298].map(ScopeID.init) { #expect(!set.contains(other)) }
        #expect(set.count == ids.count)
        #expect(Array(set) == ids)
    }

    @Test func emptySetIsEmptyAtAnySize() {
        #expect(ScopeSet().isEmpty)
        #expect(ScopeSet(capacity: 1000).isEmpty)
        #expect(ScopeSet(capacity: 1000).count == 0)
        #expect(Array(ScopeSet(capacity: 1000)).isEmpty)
        #expect(!ScopeSet([ScopeID(700)], capacity: 1000).isEmpty)
    }

    @Test func capacityRoundsToWholeWordsBeyondTheInlineTwo() {
        #expect(ScopeSet(capacity: 0).capacity == 128)
        #expect(ScopeSet(capacity: 128).capacity == 128)
        #expect(ScopeSet(capacity: 129).capacity == 192)
        #expect(ScopeSet(capacity: 256).capacity == 256)
    }

    @Test func insertBeyondCapacityGrows() {
        var set = ScopeSet()
        set.insert(ScopeID(500))
        #expect(set.contains(ScopeID(500)))
        #expect(set.capacity >= 501)
    }

    @Test func supersetIntersectsAndUnionInHighWords() {
        let a = ScopeSet([1, 130, 250].map(ScopeID.init), capacity: 256)
        let b = ScopeSet([130, 250].map(ScopeID.init), capacity: 256)
        let c = ScopeSet([2, 251].map(ScopeID.init), capacity: 256)
        #expect(a.isSuperset(of: b))
        #expect(!b.isSuperset(of: a))
        #expect(a.intersects(b))
        #expect(!a.intersects(c))
        #expect(!a.isSuperset(of: c))
        #expect(a.union(c).isSuperset(of: c))
        #expect(a.union(c).count == 5)
        #expect(a.subtracting(b) == ScopeSet([ScopeID(1)]))
    }

    @Test func everySetIsASupersetOfTheEmptySetAndIntersectsNothingEmpty() {
        let a = ScopeSet([ScopeID(3)], capacity: 300)
        #expect(a.isSuperset(of: ScopeSet()))
        #expect(ScopeSet().isSuperset(of: ScopeSet(capacity: 300)))
        #expect(!a.intersects(ScopeSet(capacity: 300)))
        #expect(!ScopeSet(capacity: 300).isSuperset(of: a))
    }

    @Test func setsOfDifferentSizesCompareByMembers() {
        let small = ScopeSet([ScopeID(5)])
        let large = ScopeSet([ScopeID(5)], capacity: 1000)
        #expect(small == large)
        #expect(small.hashValue == large.hashValue)
        #expect(small.isSuperset(of: large) && large.isSuperset(of: small))
        let wide = ScopeSet([ScopeID(5), ScopeID(900)], capacity: 1000)
        #expect(small != wide)
        #expect(!small.isSuperset(of: wide))
        #expect(wide.isSuperset(of: small))
        #expect(small.union(wide) == wide)
    }
}
