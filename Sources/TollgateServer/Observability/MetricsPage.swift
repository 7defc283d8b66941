import TollgateCore

/// The `/metrics` page: every `tollgate_` family, from the event loops'
/// samples summed and the process-wide counters. Series are sorted so two
/// scrapes list them in the same order.
enum MetricsPage {
    /// The route label of requests that matched no route (404, and errors given before routing).
    static let unmatchedRoute = ""

    static func render(_ loops: LoopMetrics.Sample, process: ProcessMetrics, openConnections: Int) -> String {
        var page = PrometheusText()

        page.family("tollgate_requests_total", "counter", help: "Requests answered, by route name, method and status.")
        let requests = loops.requests.sorted { ($0.key.route ?? "", $0.key.method, $0.key.status) < ($1.key.route ?? "", $1.key.method, $1.key.status) }
        for (series, count) in requests {
            page.sample(
                "tollgate_requests_total",
                ["route": series.route ?? unmatchedRoute, "method": series.method, "status": String(series.status)],
                count
            )
        }
        page.histogram(
            "tollgate_request_duration_seconds",
            help: "Time from a request's head to the end of its response.",
            loops.requestDuration
        )
        page.histogram(
            "tollgate_upstream_duration_seconds",
            help: "Time from asking for an upstream connection to the end of the upstream's response.",
            loops.upstreamDuration
        )

        page.family("tollgate_token_verifications_total", "counter", help: "Bearer tokens checked (from the cache or not), by result.")
        for result in TokenCheck.Result.allCases {
            page.sample("tollgate_token_verifications_total", ["result": result.label], loops.verifications[result.rawValue])
        }
        page.family("tollgate_token_cache_hits_total", "counter", help: "Tokens found in a worker's verified-token cache.")
        page.sample("tollgate_token_cache_hits_total", loops.cacheHits)
        page.family("tollgate_token_cache_misses_total", "counter", help: "Tokens looked up in a worker's verified-token cache and not found.")
        page.sample("tollgate_token_cache_misses_total", loops.cacheMisses)
        page.family("tollgate_token_cache_evictions_total", "counter", help: "Cached tokens pushed out to make room for new ones.")
        page.sample("tollgate_token_cache_evictions_total", loops.cacheEvictions)
        page.family("tollgate_token_cache_entries", "gauge", help: "Tokens held in the verified-token caches of all workers.")
        page.sample("tollgate_token_cache_entries", loops.cacheEntries)

        page.family("tollgate_jwks_fetches_total", "counter", help: "Fetches of remote issuer keys (jwks_uri, discovery_url), by issuer and result.")
        for (series, count) in process.jwksFetches.sorted(by: { ($0.key.issuer, $0.key.result) < ($1.key.issuer, $1.key.result) }) {
            page.sample("tollgate_jwks_fetches_total", ["issuer": series.issuer, "result": series.result], count)
        }
        page.family("tollgate_introspection_calls_total", "counter", help: "Calls to the introspection endpoint, by result.")
        for outcome in ProcessMetrics.IntrospectionOutcome.allCases {
            page.sample("tollgate_introspection_calls_total", ["result": outcome.label], process.introspectionCalls(outcome))
        }

        page.family("tollgate_upstream_connect_errors_total", "counter", help: "Upstream connections that could not be opened, by upstream.")
        for (upstream, count) in loops.connectErrors.sorted(by: { $0.key < $1.key }) {
            page.sample("tollgate_upstream_connect_errors_total", ["upstream": upstream], count)
        }
        page.family("tollgate_upstream_pool_waits_total", "counter", help: "Requests that waited for a connection at an upstream's max_connections, by upstream.")
        for (upstream, count) in loops.poolWaits.sorted(by: { $0.key < $1.key }) {
            page.sample("tollgate_upstream_pool_waits_total", ["upstream": upstream], count)
        }

        page.family("tollgate_open_connections", "gauge", help: "Client connections open now.")
        page.sample("tollgate_open_connections", openConnections)
        page.family("tollgate_access_log_dropped_total", "counter", help: "Access-log lines dropped because the writer fell behind.")
        page.sample("tollgate_access_log_dropped_total", process.accessLogDroppedLines)
        return page.text
    }
}
