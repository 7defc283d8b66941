import NIOCore

/// The token-cache misses of one event-loop pass, verified together once the
/// loop has handled every connection that was ready.
///
/// Why: a signature check run in the middle of a request's handling evicts the
/// proxy path's code and data from the core's caches (BoringSSL's bignum code,
/// the verifier, the JSON scan), and every request handled after it pays to
/// bring them back. In an experiment on one repeated token (session 8, proxy
/// CPU µs per request, three rounds), one RS256 verify added per request cost
/// +29 µs inline but +17 µs when the loop ran the verifies together after its
/// pass (a 19 µs spin in their place: +16): a verify's own cost, no more.
/// Through the gateway (`benchmarks/README.md`, "Cache misses verified in
/// batches"): a miss 96.8 → 71.1 µs of proxy CPU against 51.7 for
/// `auth: none`; verifying and forwarding each request in turn instead of
/// all verifies first saved a third as much. Misses are only moved within
/// the pass: a request waits for the rest of the pass's reads before its
/// token is checked, never for another pass.
final class VerificationBatch {
    private let eventLoop: EventLoop
    /// Requests waiting for their turn, with the exchange each waits for.
    private var waiting: [(handler: HTTP1ProxyHandler, exchange: Int)] = []
    /// The batch being verified, kept for its storage.
    private var running: [(handler: HTTP1ProxyHandler, exchange: Int)] = []

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues `handler`'s `exchange`; the first request of a pass schedules
    /// the batch, which NIO runs after the pass's I/O events.
    func enqueue(_ handler: HTTP1ProxyHandler, exchange: Int) {
        waiting.append((handler, exchange))
        guard waiting.count == 1 else { return }
        eventLoop.assumeIsolated().execute { [self] in run() }
    }

    private func run() {
        swap(&waiting, &running)
        for (handler, exchange) in running {
            handler.takeVerificationTurn(exchange)
        }
        for (handler, exchange) in running {
            handler.finishVerificationTurn(exchange)
        }
        running.removeAll(keepingCapacity: true)
    }
}
