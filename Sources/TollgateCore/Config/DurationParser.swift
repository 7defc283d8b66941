/// Reads SPEC's duration strings (`250ms`, `30s`, `1.5s`, `5m`, `1h`) strictly:
/// one non-negative decimal number immediately followed by one unit, nothing else.
public enum DurationParser {
    /// Parses `text`, or says exactly why it is not a duration.
    public static func parse(_ text: String) throws(DurationParseError) -> Duration {
        let units: [(suffix: String, attoseconds: Int128)] = [
            ("ms", 1_000_000_000_000_000),
            ("s", 1_000_000_000_000_000_000),
            ("m", 60 * 1_000_000_000_000_000_000),
            ("h", 3_600 * 1_000_000_000_000_000_000),
        ]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else {
            if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) { throw .missingUnit(text) }
            throw .invalid(text)
        }
        let number = text.dropLast(unit.suffix.count)
        guard let decimal = DecimalNumber(parsing: number) else { throw .invalid(text) }
        switch decimal.scaled(by: unit.attoseconds) {
        case .whole(let attoseconds): return Duration(attoseconds: attoseconds)
        case .fractional: throw .invalid(text)
        case .overflow: throw .tooLarge(text)
        }
    }
}

/// Why a string is not a duration; the description is what `check` prints.
public enum DurationParseError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    case missingUnit(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .invalid(let text):
            "'\(text)' is not a duration: write a non-negative number and a unit (ms, s, m, h) with no space, like 250ms, 30s, 1.5s, 5m, 1h"
        case .missingUnit(let text):
            "'\(text)' has no unit: write \(text)s, \(text)ms, \(text)m or \(text)h"
        case .tooLarge(let text):
            "'\(text)' is too large a duration"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
