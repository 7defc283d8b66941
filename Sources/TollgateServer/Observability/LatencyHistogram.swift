/// A latency histogram with fixed bucket bounds: one per event loop, recorded
/// without a lock (a linear walk over 16 bounds and two adds), merged at
/// scrape time. Bounds are in nanoseconds; the exposition prints seconds.
struct LatencyHistogram: Sendable {
    /// Upper bounds of the buckets (`le`), in nanoseconds: 100 µs to 10 s.
    static let bounds: [Int64] = [
        100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000,
        10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000,
        1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ]

    /// Per bucket (not cumulative), the last one being `+Inf`.
    private(set) var counts = [Int](repeating: 0, count: bounds.count + 1)
    private(set) var sumNanoseconds: Int64 = 0
    private(set) var count = 0

    mutating func record(nanoseconds: Int64) {
        let value = max(nanoseconds, 0)
        var index = 0
        while index < Self.bounds.count, value > Self.bounds[index] { index += 1 }
        counts[index] += 1
        sumNanoseconds &+= value
        count += 1
    }

    mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        sumNanoseconds &+= other.sumNanoseconds
        count += other.count
    }

    /// Cumulative counts per bound, `+Inf` last, as the exposition wants them.
    var cumulativeCounts: [Int] {
        var running = 0
        return counts.map { count in
            running += count
            return running
        }
    }
}
