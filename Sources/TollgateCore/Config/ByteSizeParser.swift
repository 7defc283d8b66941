/// Reads SPEC's size strings strictly: a plain non-negative integer (bytes), or a
/// number immediately followed by `B`, `KiB`, `MiB` or `GiB` (`16KiB`, `1.5MiB`).
public enum ByteSizeParser {
    /// Parses `text`, or says exactly why it is not a size.
    public static func parse(_ text: String) throws(ByteSizeParseError) -> Int {
        let units: [(suffix: String, bytes: Int128)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1),
        ]
        let unit = units.first(where: { text.hasSuffix($0.suffix) }) ?? ("", 1)
        let number = text.dropLast(unit.suffix.count)
        guard let decimal = DecimalNumber(parsing: number), unit.suffix != "" || decimal.fractionDigits == 0 else {
            for decimalUnit in ["KB", "MB", "GB", "kB", "K", "M", "G"] where text.hasSuffix(decimalUnit) {
                throw .decimalUnit(text)
            }
            throw .invalid(text)
        }
        switch decimal.scaled(by: unit.bytes) {
        case .whole(let bytes):
            guard let value = Int(exactly: bytes) else { throw .tooLarge(text) }
            return value
        case .fractional: throw .fractionalBytes(text)
        case .overflow: throw .tooLarge(text)
        }
    }
}

/// Why a string is not a size; the description is what `check` prints.
public enum ByteSizeParseError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    case decimalUnit(String)
    case fractionalBytes(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .invalid(let text):
            "'\(text)' is not a size: write a non-negative integer (bytes) or a number and a unit (B, KiB, MiB, GiB) with no space, like 512B, 16KiB, 10MiB"
        case .decimalUnit(let text):
            "'\(text)' is not a size: units are binary (KiB, MiB, GiB)"
        case .fractionalBytes(let text):
            "'\(text)' is not a whole number of bytes"
        case .tooLarge(let text):
            "'\(text)' is too large a size"
        }
    }
}
