import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Logging for the CLI: swift-log to stderr, level from `TOLLGATE_LOG_LEVEL`
/// (trace, debug, info, notice, warning, error, critical; default info).
enum Log {
    static func bootstrap() -> Logger {
        let level = ProcessInfoLevel.read() ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "tollgate")
    }
}

private enum ProcessInfoLevel {
    static func read() -> Logger.Level? {
        guard let raw = getenv("TOLLGATE_LOG_LEVEL") else { return nil }
        return Logger.Level(rawValue: String(cString: raw).lowercased())
    }
}
