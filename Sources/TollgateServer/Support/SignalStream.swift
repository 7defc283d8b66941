import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process signals as an async sequence, so `serve` handles SIGHUP (reload) and
/// SIGTERM/SIGINT (drain, then a second one exits at once) in one loop.
public enum SignalStream {
    public static func watch(_ signals: [Int32]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            var sources: [DispatchSourceSignal] = []
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.append(source)
            }
            let retained = SignalSources(sources)
            continuation.onTermination = { _ in retained.cancelAll() }
        }
    }
}

/// Keeps the dispatch sources alive while the stream is watched, and cancels
/// them when it ends.
private final class SignalSources: Sendable {
    private let sources: Mutex<[DispatchSourceSignal]>

    init(_ sources: sending [DispatchSourceSignal]) {
        self.sources = Mutex(sources)
    }

    func cancelAll() {
        sources.withLock { sources in
            for source in sources { source.cancel() }
            sources.removeAll()
        }
    }
}
