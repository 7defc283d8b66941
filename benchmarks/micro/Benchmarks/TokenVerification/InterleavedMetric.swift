import Benchmark

/// The custom metrics of an interleaved sample: the verifier's and the
/// primitive's time per verification, and their ratio in per mille
/// (1,000 = as fast as the primitive; the target is at most 1,100).
enum InterleavedMetric {
    static let verifier = BenchmarkMetric.custom("JWTVerifier ns/op", polarity: .prefersSmaller, useScalingFactor: false)
    static let primitive = BenchmarkMetric.custom("swift-crypto ns/op", polarity: .prefersSmaller, useScalingFactor: false)
    static let ratio = BenchmarkMetric.custom("verifier/primitive per mille", polarity: .prefersSmaller, useScalingFactor: false)

    static let all = [verifier, primitive, ratio]

    static func record(verifier verifierTime: Duration, primitive primitiveTime: Duration, batch: Int, in benchmark: Benchmark) {
        let verifierNanoseconds = nanoseconds(verifierTime)
        let primitiveNanoseconds = max(1, nanoseconds(primitiveTime))
        benchmark.measurement(verifier, verifierNanoseconds / batch)
        benchmark.measurement(primitive, primitiveNanoseconds / batch)
        benchmark.measurement(ratio, verifierNanoseconds * 1000 / primitiveNanoseconds)
    }

    private static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
