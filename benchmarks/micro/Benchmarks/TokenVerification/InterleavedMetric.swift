import Benchmark

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The custom metrics of an interleaved sample: the verifier's and the
/// primitive's CPU time per verification, and their ratio in per mille
/// (1,000 = as fast as the primitive; the target is at most 1,100).
///
/// Batches are timed with the thread's CPU clock rather than the wall clock:
/// on a machine shared with other work, time spent descheduled would otherwise
/// land on whichever batch happened to be running.
enum InterleavedMetric {
    static let verifier = BenchmarkMetric.custom("JWTVerifier CPU ns/op", polarity: .prefersSmaller, useScalingFactor: false)
    static let primitive = BenchmarkMetric.custom("swift-crypto CPU ns/op", polarity: .prefersSmaller, useScalingFactor: false)
    static let ratio = BenchmarkMetric.custom("verifier/primitive per mille", polarity: .prefersSmaller, useScalingFactor: false)

    static let all = [verifier, primitive, ratio]

    /// The CPU time `work` takes on this thread, in nanoseconds.
    static func cpuNanoseconds(_ work: () throws -> Void) rethrows -> Int {
        let start = threadCPUNanoseconds()
        try work()
        return threadCPUNanoseconds() - start
    }

    static func record(verifier verifierTime: Int, primitive primitiveTime: Int, batch: Int, in benchmark: Benchmark) {
        benchmark.measurement(verifier, verifierTime / batch)
        benchmark.measurement(primitive, primitiveTime / batch)
        benchmark.measurement(ratio, verifierTime * 1000 / max(1, primitiveTime))
    }

    private static func threadCPUNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }
}
