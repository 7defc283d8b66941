import Benchmark
import TollgateCore
import VerificationCases

/// Verifications through `JWTVerifier.verify` (parse, header, claims, key by
/// `kid`, signature, extraction) next to swift-crypto's bare check of the same
/// signature, one pair of benchmarks per algorithm, and an interleaved one that
/// alternates batches of both in the same samples so that machine noise hits
/// both alike and their ratio can be read directly.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    let fixtures = VerificationCases()
    let cases = fixtures.cases
    let keys = fixtures.keys
    let verifier = fixtures.verifier
    let now = fixtures.now

    for algorithmCase in cases {
        let name = algorithmCase.algorithm.rawValue
        Benchmark("\(name) JWTVerifier.verify") { benchmark in
            let headers = JOSEHeaderMemo()
            for _ in benchmark.scaledIterations {
                blackHole(try verifier.verify(algorithmCase.token, keys: keys, now: now, headers: headers))
            }
        }
        Benchmark("\(name) swift-crypto") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput))
            }
        }
        Benchmark(
            "\(name) interleaved",
            configuration: .init(
                metrics: InterleavedMetric.all,
                warmupIterations: 5,
                scalingFactor: .one,
                maxDuration: .seconds(3),
                maxIterations: 10_000
            )
        ) { benchmark in
            // About a millisecond per batch on the development VM.
            let batch = algorithmCase.algorithm.isSymmetric ? 256 : 16
            // The loop's header memo, as the gateway keeps one per event loop.
            let headers = JOSEHeaderMemo()
            func verifierBatch() throws -> Int {
                try InterleavedMetric.cpuNanoseconds {
                    for _ in 0..<batch {
                        blackHole(try verifier.verify(algorithmCase.token, keys: keys, now: now, headers: headers))
                    }
                }
            }
            func primitiveBatch() -> Int {
                InterleavedMetric.cpuNanoseconds {
                    for _ in 0..<batch {
                        blackHole(algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput))
                    }
                }
            }
            var verifierFirst = true
            for _ in benchmark.scaledIterations {
                let verifierTime: Int
                let primitiveTime: Int
                if verifierFirst {
                    verifierTime = try verifierBatch()
                    primitiveTime = primitiveBatch()
                } else {
                    primitiveTime = primitiveBatch()
                    verifierTime = try verifierBatch()
                }
                verifierFirst.toggle()
                InterleavedMetric.record(verifier: verifierTime, primitive: primitiveTime, batch: batch, in: benchmark)
            }
        }
    }
}
