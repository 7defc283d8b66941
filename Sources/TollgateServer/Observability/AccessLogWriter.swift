import Dispatch
import Foundation
import Logging
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one thread that writes access-log chunks to stdout, stderr or a file,
/// so that a slow disk or a full pipe stalls this thread, never an event loop.
/// Loops hand it whole chunks (`AccessLogBuffer`); when more than
/// `pendingLimit` bytes wait, a new chunk is dropped and its lines counted
/// (`tollgate_access_log_dropped_total`) instead of queued: requests never wait.
final class AccessLogWriter: Sendable {
    /// Where the lines go.
    enum Destination: Sendable, Equatable {
        case standardOutput
        case standardError
        case file(String)

        init(path: String) {
            switch path {
            case "stdout": self = .standardOutput
            case "stderr": self = .standardError
            default: self = .file(path)
            }
        }
    }

    /// Bytes that may wait for the writer before chunks are dropped.
    static let pendingLimit = 4 << 20

    private struct Queue {
        var chunks: [(buffer: ByteBuffer, lines: Int)] = []
        /// Bytes handed over and not yet written (queued or being written).
        var pendingBytes = 0
    }

    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    private let destination: Destination
    /// The descriptor, once open; a FIFO without a reader is opened by the writer thread, which may block there.
    private let descriptor: Atomic<Int32>
    private let metrics: ProcessMetrics
    private let logger: Logger
    /// Whether the last write failed: a failure is logged once, not per chunk, until a write succeeds again.
    private let failing = Atomic<Bool>(false)

    /// Opens a file destination now (so a path that cannot be written fails the
    /// start), except a FIFO nobody reads yet, which the writer thread opens.
    init(destination: Destination, metrics: ProcessMetrics, logger: Logger) throws(AccessLogError) {
        self.destination = destination
        self.metrics = metrics
        self.logger = logger
        switch destination {
        case .standardOutput:
            descriptor = Atomic(STDOUT_FILENO)
        case .standardError:
            descriptor = Atomic(STDERR_FILENO)
        case .file(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0o644)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                descriptor = Atomic(fd)
            } else if errno == ENXIO {
                descriptor = Atomic(-1)
            } else {
                throw AccessLogError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        // A reader that goes away must make write() fail with EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let thread = Thread { [self] in run() }
        thread.name = "tollgate-access-log"
        thread.start()
    }

    /// Takes a chunk of whole lines from a loop; never blocks on I/O.
    func enqueue(_ chunk: ByteBuffer, lines: Int) {
        let accepted = queue.withLock { queue -> Bool in
            guard queue.pendingBytes + chunk.readableBytes <= Self.pendingLimit else { return false }
            queue.chunks.append((chunk, lines))
            queue.pendingBytes += chunk.readableBytes
            return true
        }
        if accepted {
            wakeup.signal()
        } else {
            metrics.accessLogDropped(lines: lines)
        }
    }

    /// Whether everything handed over has been written (or given up on).
    var isIdle: Bool { queue.withLock { $0.pendingBytes == 0 } }

    private func run() {
        while true {
            wakeup.wait()
            let chunks = queue.withLock { queue in
                let chunks = queue.chunks
                queue.chunks.removeAll(keepingCapacity: true)
                return chunks
            }
            for (chunk, lines) in chunks {
                if !write(chunk) { metrics.accessLogDropped(lines: lines) }
                queue.withLock { $0.pendingBytes -= chunk.readableBytes }
            }
        }
    }

    /// Writes one chunk whole; false (after a logged error) when it could not.
    private func write(_ chunk: ByteBuffer) -> Bool {
        guard let fd = openDescriptor() else { return false }
        return chunk.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    if !failing.exchange(true, ordering: .relaxed) {
                        logger.error("access log: cannot write: \(String(cString: strerror(errno))); lines are dropped until writing works again")
                    }
                    return false
                }
                offset += written
            }
            failing.store(false, ordering: .relaxed)
            return true
        }
    }

    /// The descriptor, opening a deferred FIFO now (this may wait for a reader).
    private func openDescriptor() -> Int32? {
        let current = descriptor.load(ordering: .acquiring)
        if current >= 0 { return current }
        guard case .file(let path) = destination else { return nil }
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            logger.error("access log: cannot open \(path): \(String(cString: strerror(errno)))")
            return nil
        }
        descriptor.store(fd, ordering: .releasing)
        return fd
    }
}

/// The access log's file cannot be opened for writing: the gateway does not start.
struct AccessLogError: Error, CustomStringConvertible {
    var path: String
    var reason: String

    var description: String { "access_log.path '\(path)': cannot open for writing: \(reason)" }
}
