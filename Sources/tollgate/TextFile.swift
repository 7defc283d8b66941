#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the small text files the CLI is pointed at (configs), with the reason a
/// user needs when that fails ("No such file or directory", "Is a directory").
enum TextFile {
    /// Why a file could not be read; the description is the line the CLI prints.
    struct ReadError: Error, CustomStringConvertible {
        var path: String
        var reason: String

        var description: String { "cannot read \(path): \(reason)" }
    }

    static func contents(of path: String) throws(ReadError) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ReadError(path: path, reason: currentErrorText()) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: currentErrorText())
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// True when `path` names an existing regular file (or a link to one).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func currentErrorText() -> String {
        String(cString: strerror(errno))
    }
}
