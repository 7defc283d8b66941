import TollgateCore
import VerificationCases

/// Verifies one algorithm's benchmark token `count` times, through the
/// product's verifier or through the bare primitive, for an instruction count
/// per verification under callgrind (hardware counters are not available on
/// the development VM):
///
///     valgrind --tool=callgrind --toggle-collect='*verifierLoop*' \
///         .build-micro/release/VerificationCallgrind RS256 verifier 200
///
/// Both paths run once before the loop, so one-time costs (metadata, lazy
/// tables, the header memo's first decode) stay outside the collected region.
@main
enum VerificationCallgrind {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, let count = Int(arguments[3]), count > 0,
            let path = Path(rawValue: arguments[2])
        else {
            fatalError("usage: VerificationCallgrind <alg> verifier|primitive <count>")
        }
        let fixtures = VerificationCases()
        guard let algorithmCase = fixtures.cases.first(where: { $0.algorithm.rawValue == arguments[1] }) else {
            fatalError("no benchmark token for \(arguments[1])")
        }
        let headers = JOSEHeaderMemo()
        var accepted = try verifierLoop(algorithmCase, fixtures, headers: headers, count: 1)
            + primitiveLoop(algorithmCase, count: 1)
        switch path {
        case .verifier: accepted += try verifierLoop(algorithmCase, fixtures, headers: headers, count: count)
        case .primitive: accepted += primitiveLoop(algorithmCase, count: count)
        }
        print("\(arguments[1]) \(path.rawValue): \(accepted - 2) of \(count) accepted")
    }

    enum Path: String {
        case verifier
        case primitive
    }

    @inline(never)
    static func verifierLoop(_ algorithmCase: AlgorithmCase, _ fixtures: VerificationCases, headers: JOSEHeaderMemo, count: Int) throws -> Int {
        var accepted = 0
        for _ in 0..<count {
            let token = try fixtures.verifier.verify(algorithmCase.token, keys: fixtures.keys, now: fixtures.now, headers: headers)
            if token.expiresAt > 0 { accepted += 1 }
        }
        return accepted
    }

    @inline(never)
    static func primitiveLoop(_ algorithmCase: AlgorithmCase, count: Int) -> Int {
        var accepted = 0
        for _ in 0..<count where algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput) {
            accepted += 1
        }
        return accepted
    }
}
