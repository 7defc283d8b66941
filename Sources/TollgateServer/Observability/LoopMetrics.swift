import NIOCore
import NIOHTTP1
import TollgateCore

/// The counters and histograms of one event loop: plain stored integers and
/// fixed arrays, touched only on their loop (owned by its `LoopContext`), so
/// counting a request takes no lock and no atomic. `/metrics` copies a
/// `LoopMetrics.Sample` from each loop (`eventLoop.submit`) and sums them.
/// They outlive reloads: a new snapshot replaces the loop's routes and pools,
/// not its metrics; route labels are the names of the snapshot that decided.
final class LoopMetrics {
    /// One `tollgate_requests_total` series.
    struct RequestSeries: Hashable, Sendable {
        /// The route's name, or nil when none matched.
        var route: String?
        var method: String
        var status: Int
    }

    /// A value copy of one loop's metrics, summed with the others' at scrape time.
    struct Sample: Sendable {
        var requests: [RequestSeries: Int] = [:]
        var requestDuration = LatencyHistogram()
        var upstreamDuration = LatencyHistogram()
        /// Indexed by `TokenCheck.Result.rawValue`.
        var verifications = [Int](repeating: 0, count: TokenCheck.Result.allCases.count)
        var cacheHits = 0
        var cacheMisses = 0
        var cacheEvictions = 0
        var cacheEntries = 0
        /// By upstream name.
        var connectErrors: [String: Int] = [:]
        /// By upstream name.
        var poolWaits: [String: Int] = [:]

        mutating func add(_ other: Sample) {
            requests.merge(other.requests, uniquingKeysWith: +)
            requestDuration.add(other.requestDuration)
            upstreamDuration.add(other.upstreamDuration)
            for index in verifications.indices { verifications[index] += other.verifications[index] }
            cacheHits += other.cacheHits
            cacheMisses += other.cacheMisses
            cacheEvictions += other.cacheEvictions
            cacheEntries += other.cacheEntries
            connectErrors.merge(other.connectErrors, uniquingKeysWith: +)
            poolWaits.merge(other.poolWaits, uniquingKeysWith: +)
        }
    }

    private var counts = Sample()
    /// Evictions of token caches this loop has replaced (a reload starts an empty cache).
    private var retiredEvictions = 0

    /// Counts one finished exchange.
    func record(_ exchange: ExchangeRecord, method: HTTPMethod?, finished: NIODeadline) {
        let series = RequestSeries(route: exchange.route, method: Self.label(method), status: exchange.status)
        counts.requests[series, default: 0] += 1
        counts.requestDuration.record(nanoseconds: Int64(finished.uptimeNanoseconds) - Int64(exchange.started.uptimeNanoseconds))
        if let upstream = exchange.upstreamNanoseconds {
            counts.upstreamDuration.record(nanoseconds: upstream)
        }
        if let result = exchange.tokenCheck.result {
            counts.verifications[result.rawValue] += 1
        }
        switch exchange.tokenCheck.cache {
        case .hit: counts.cacheHits += 1
        case .miss: counts.cacheMisses += 1
        case .none: break
        }
    }

    func upstreamConnectFailed(_ upstream: String) {
        counts.connectErrors[upstream, default: 0] += 1
    }

    func upstreamPoolWaited(_ upstream: String) {
        counts.poolWaits[upstream, default: 0] += 1
    }

    /// A token cache is being replaced (a reload): keep its evictions.
    func retire(_ cache: TokenCache<Principal>) {
        retiredEvictions += cache.evictions
    }

    /// A copy of the counts, with the current token cache's size and evictions.
    func sample(current cache: TokenCache<Principal>) -> Sample {
        var sample = counts
        sample.cacheEvictions = retiredEvictions + cache.evictions
        sample.cacheEntries = cache.count
        return sample
    }

    /// The method as a bounded label: the standard methods by name, any other as `other`.
    static func label(_ method: HTTPMethod?) -> String {
        switch method {
        case .GET?: "GET"
        case .HEAD?: "HEAD"
        case .POST?: "POST"
        case .PUT?: "PUT"
        case .PATCH?: "PATCH"
        case .DELETE?: "DELETE"
        case .OPTIONS?: "OPTIONS"
        case .CONNECT?: "CONNECT"
        case .TRACE?: "TRACE"
        case nil: "unknown"
        default: "other"
        }
    }
}

@available(*, unavailable, message: "LoopMetrics belong to one event loop")
extension LoopMetrics: Sendable {}
