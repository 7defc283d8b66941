import Testing
import TollgateCore

/// The bitset decision must equal a naive evaluation over `Set<String>` on
/// random configurations and tokens.
@Suite struct ScopeDecisionPropertyTests {
    /// Implications closed by repeating until nothing changes.
    static func naiveGranted(_ tokenScopes: [String], implications: [(scope: String, implies: [String])]) -> Set<String> {
        var granted = Set(tokenScopes)
        var changed = true
        while changed {
            changed = false
            for implication in implications where granted.contains(implication.scope) {
                for implied in implication.implies where granted.insert(implied).inserted {
                    changed = true
                }
            }
        }
        return granted
    }

    @Test(arguments: [1, 2, 3, 4])
    func bitsetDecisionEqualsNaiveSetEvaluation(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var cases = 0
        var admitted = 0
        for _ in 0..<40 {
            let scopeCount = Int.random(in: 1...260, using: &random)
            let pool = (0..<scopeCount).map { "scope:\($0)" }
            let implications = (0..<Int.random(in: 0...scopeCount, using: &random)).map { _ in
                (scope: pool.randomElement(using: &random)!,
                 implies: (0..<Int.random(in: 1...4, using: &random)).map { _ in pool.randomElement(using: &random)! })
            }
            var requirements: [(allOf: [String]?, anyOf: [String]?)] = []
            for _ in 0..<8 {
                let listed = (0..<Int.random(in: 1...6, using: &random)).map { _ in pool.randomElement(using: &random)! }
                requirements.append(Bool.random(using: &random) ? (listed, nil) : (nil, listed))
            }
            let universe = ScopeUniverse(
                scopes: requirements.flatMap { ($0.allOf ?? []) + ($0.anyOf ?? []) } + pool,
                implications: implications
            )
            let compiled = try requirements.map { try ScopeRequirement(allOf: $0.allOf, anyOf: $0.anyOf, in: universe) }

            for _ in 0..<12 {
                var tokenScopes = (0..<Int.random(in: 0...8, using: &random)).map { _ in pool.randomElement(using: &random)! }
                tokenScopes.append(contentsOf: ["openid", "unknown:\(Int.random(in: 0...9, using: &random))"])
                let granted = universe.granted(by: tokenScopes)
                let naive = Self.naiveGranted(tokenScopes, implications: implications).intersection(pool)
                #expect(Set(universe.names(of: granted)) == naive)

                for (requirement, written) in zip(compiled, requirements) {
                    let expected = if let allOf = written.allOf {
                        Set(allOf).isSubset(of: naive)
                    } else {
                        !Set(written.anyOf!).isDisjoint(with: naive)
                    }
                    #expect(requirement.isSatisfied(by: granted) == expected, "seed \(seed), token \(tokenScopes), \(requirement.summary)")
                    cases += 1
                    if expected { admitted += 1 }
                }
            }
        }
        #expect(cases == 40 * 12 * 8)
        // Both outcomes must be exercised for the comparison to mean anything.
        #expect(admitted > 0 && admitted < cases)
    }
}
