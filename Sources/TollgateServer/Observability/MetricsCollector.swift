import NIOCore

/// Answers a `/metrics` scrape: asks every event loop for a copy of its
/// `LoopMetrics` (a task on each loop, so the loops never lock), sums the
/// copies, and renders them with the process-wide counters.
final class MetricsCollector: Sendable {
    private let loops: [NIOLoopBound<LoopContext>]
    private let process: ProcessMetrics
    private let connections: ConnectionCounter

    init(loops: [NIOLoopBound<LoopContext>], process: ProcessMetrics, connections: ConnectionCounter) {
        self.loops = loops
        self.process = process
        self.connections = connections
    }

    /// The metrics page, completed on `eventLoop`.
    func scrape(on eventLoop: EventLoop) -> EventLoopFuture<String> {
        let samples = loops.map { loop in loop.eventLoop.submit { loop.value.metricsSample() } }
        let process = self.process
        let connections = self.connections
        return EventLoopFuture.whenAllSucceed(samples, on: eventLoop).map { samples in
            var total = LoopMetrics.Sample()
            for sample in samples { total.add(sample) }
            return MetricsPage.render(total, process: process, openConnections: connections.openCount)
        }
    }
}
