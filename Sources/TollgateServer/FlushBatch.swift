import NIOCore

/// The flushes of one event-loop pass, done together once the loop has
/// handled every connection that was ready: a kept-alive response to the
/// client and a complete request to its upstream are written, but sent to
/// the kernel only at the end of the pass.
///
/// Why: each send wakes the process at the other end of the socket. When
/// that process sleeps on another CPU, the wake-up is an inter-processor
/// interrupt, which in a virtual machine costs the sender a VM exit: 11.7%
/// of Tollgate's CPU (about 4.2 µs a request) went to
/// `_raw_spin_unlock_irqrestore` under `sock_def_readable` on the cache-hit
/// route, against 4.7% (0.9 µs) for nginx, whose peers were busy enough to be
/// awake (session 9 profile, benchmarks/README.md). Sends made back to back
/// find the peer already woken by the first one. A request waits at most for
/// the rest of its pass, never for another pass. What must go out at once
/// still does: a response on a connection about to close, a request whose
/// body is still streaming, anything on HTTP/2. Interleaved A/B (3 rounds):
/// 41.8 → 38.0 µs of proxy CPU per request on `auth: none`, 44.9 → 40.2 on
/// a cache hit.
final class FlushBatch {
    private let eventLoop: EventLoop
    private var waiting: [Channel] = []
    private var running: [Channel] = []

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Flushes `channel` at the end of this pass; the first flush of a pass
    /// schedules the batch, which NIO runs after the pass's I/O events. The
    /// channel, not a handler's context, is flushed: a handler that leaves
    /// its pipeline meanwhile (an upgrade) does not strand the writes.
    func flushAtEndOfPass(_ channel: Channel) {
        waiting.append(channel)
        guard waiting.count == 1 else { return }
        eventLoop.assumeIsolated().execute { [self] in run() }
    }

    private func run() {
        swap(&waiting, &running)
        for channel in running {
            channel.flush()
        }
        running.removeAll(keepingCapacity: true)
    }
}
